#include "inference/chat_template.h"

#include <stdexcept>

namespace mspa::inference {
namespace {

// InternVL2's system message (internlm2-chat, Hermes-2, phi3-chat) and InternVL2.5/3's.
const char* kInternVL2System =
    "\u4f60\u662f\u7531\u4e0a\u6d77\u4eba\u5de5\u667a\u80fd\u5b9e\u9a8c\u5ba4\u8054\u5408\u5546"
    "\u6c64\u79d1\u6280\u5f00\u53d1\u7684"
    "\u4e66\u751f\u591a\u6a21\u6001\u5927\u6a21\u578b\uff0c\u82f1\u6587\u540d\u53eb"
    "InternVL, "
    "\u662f\u4e00\u4e2a\u6709\u7528\u65e0\u5bb3\u7684\u4eba\u5de5\u667a\u80fd\u52a9\u624b\u3002";
const char* kInternVL25System =
    "\u4f60\u662f\u4e66\u751f\u00b7\u4e07\u8c61\uff0c\u82f1\u6587\u540d\u662fInternVL\uff0c\u662f"
    "\u7531\u4e0a\u6d77\u4eba\u5de5\u667a\u80fd"
    "\u5b9e\u9a8c\u5ba4\u3001\u6e05\u534e\u5927\u5b66\u53ca\u591a\u5bb6\u5408\u4f5c\u5355\u4f4d"
    "\u8054\u5408\u5f00\u53d1\u7684\u591a\u6a21\u6001"
    "\u5927\u8bed\u8a00\u6a21\u578b\u3002";

const std::vector<ConversationTemplate>& templates() {
  static const std::vector<ConversationTemplate> all = {
      {"internlm2-chat", "<|im_start|>system\n{system_message}", kInternVL2System,
       "<|im_start|>user\n", "<|im_start|>assistant\n", "<|im_end|>"},
      {"Hermes-2", "<|im_start|>system\n{system_message}", kInternVL2System, "<|im_start|>user\n",
       "<|im_start|>assistant\n", "<|im_end|>"},
      {"phi3-chat", "<|system|>\n{system_message}", kInternVL2System, "<|user|>\n",
       "<|assistant|>\n", "<|end|>"},
      {"internvl2_5", "<|im_start|>system\n{system_message}", kInternVL25System,
       "<|im_start|>user\n", "<|im_start|>assistant\n", "<|im_end|>\n"},
  };
  return all;
}

// Python's str.isspace() for the code point starting at `s[i]` of `length` bytes.
bool isPythonSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

// The code point of the UTF-8 sequence at `at` and its length in bytes (1 for a stray byte).
std::pair<char32_t, std::size_t> codePointAt(const std::string& s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(at);
  const std::size_t length = lead < 0x80         ? 1
                             : (lead >> 5) == 6  ? 2
                             : (lead >> 4) == 14 ? 3
                             : (lead >> 3) == 30 ? 4
                                                 : 1;
  if (at + length > s.size()) return {lead, 1};
  char32_t c = length == 1 ? lead : lead & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) c = (c << 6) | (byte(at + i) & 0x3f);
  return {c, length};
}

std::string pythonStrip(const std::string& s) {
  std::size_t begin = 0, end = s.size();
  while (begin < end) {
    const auto [c, length] = codePointAt(s, begin);
    if (!isPythonSpace(c)) break;
    begin += length;
  }
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) --start;
    if (!isPythonSpace(codePointAt(s, start).first)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

std::string ConversationTemplate::stopToken() const {
  return pythonStrip(sep);
}

std::vector<std::string> conversationTemplateNames() {
  std::vector<std::string> names;
  for (const auto& t : templates()) names.push_back(t.name);
  return names;
}

const ConversationTemplate& conversationTemplate(const std::string& name) {
  for (const auto& t : templates()) {
    if (t.name == name) return t;
  }
  std::string known;
  for (const auto& n : conversationTemplateNames()) known += (known.empty() ? "" : ", ") + n;
  throw std::runtime_error("unknown chat template '" + name + "' (known: " + known + ")");
}

std::string renderInternVLQuery(const ConversationTemplate& conversation, const std::string& system,
                                const std::string& question, const std::vector<int>& tilesPerImage,
                                int tokensPerTile) {
  const std::string asked = !tilesPerImage.empty() && question.find("<image>") == std::string::npos
                                ? "<image>\n" + question
                                : question;
  std::string query = replaceAll(conversation.systemTemplate, "{system_message}", system) +
                      conversation.sep + conversation.userRole + asked + conversation.sep +
                      conversation.assistantRole;
  std::size_t from = 0;
  for (const int tiles : tilesPerImage) {
    const auto at = query.find("<image>", from);
    if (at == std::string::npos)
      throw std::runtime_error("the prompt has fewer <image> than images");
    std::string expanded = "<img>";
    for (int i = 0; i < tokensPerTile * tiles; ++i) expanded += "<IMG_CONTEXT>";
    expanded += "</img>";
    query.replace(at, 7, expanded);
    from = at + expanded.size();
  }
  if (query.find("<image>", from) != std::string::npos)
    throw std::runtime_error("the prompt has more <image> than images");
  return query;
}

std::string cleanAnswer(const std::string& decoded, const std::string& stopToken) {
  return pythonStrip(stopToken.empty() ? decoded : decoded.substr(0, decoded.find(stopToken)));
}

std::string withImageLabels(const std::string& question, int images) {
  if (question.find("<image>") != std::string::npos || images < 2) return question;
  std::string labelled;
  for (int i = 1; i <= images; ++i) labelled += "Image-" + std::to_string(i) + ": <image>\n";
  return labelled + question;
}

}  // namespace mspa::inference
