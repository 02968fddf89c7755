#include "inference/tokenizer.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/byte_level_bpe.h"
#include "inference/sentencepiece_model.h"

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

// InternVL2's default system message (InternVL2 chat templates).
const char* kInternVLSystem =
    "\u4f60\u662f\u7531\u4e0a\u6d77\u4eba\u5de5\u667a\u80fd\u5b9e\u9a8c\u5ba4\u8054\u5408\u5546\u6c64\u79d1\u6280\u5f00\u53d1\u7684"
    "\u4e66\u751f\u591a\u6a21\u6001\u5927\u6a21\u578b\uff0c\u82f1\u6587\u540d\u53eb"
    "InternVL, \u662f\u4e00\u4e2a\u6709\u7528\u65e0\u5bb3\u7684\u4eba\u5de5\u667a\u80fd\u52a9\u624b\u3002";

nlohmann::json readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path.string() + ": invalid JSON");
  return j;
}

// The added-token handling is Tokenizer's; the model encodes what lies between.
template <typename Model>
class ModelTokenizer : public Tokenizer {
 protected:
  explicit ModelTokenizer(const fs::path& file) : model_(file.string()) {}

  void encodePlain(std::string_view text, std::vector<std::int64_t>& ids) const override {
    const auto pieceIds = model_.encode(text);
    ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
  }
  std::string decodePlain(const std::vector<std::int64_t>& ids) const override { return model_.decode(ids); }

  Model model_;
};

class SentencePieceTokenizer : public ModelTokenizer<SentencePieceModel> {
 public:
  explicit SentencePieceTokenizer(const fs::path& dir) : ModelTokenizer(dir / "tokenizer.model") {
    if (const auto added = readJson(dir / "added_tokens.json"); added.is_object()) {
      for (const auto& [token, id] : added.items()) addSpecial(token, id.get<std::int64_t>());
    }
    bool addBos = true;
    if (const auto config = readJson(dir / "tokenizer_config.json"); config.is_object()) {
      addBos = config.value("add_bos_token", true);
      if (config.contains("added_tokens_decoder")) {
        for (const auto& [id, token] : config["added_tokens_decoder"].items()) addSpecial(token.value("content", ""), std::stoll(id));
      }
    }
    if (addBos) bos_ = model_.bosId();
  }
};

class ByteLevelBpeTokenizer : public ModelTokenizer<ByteLevelBpe> {
 public:
  explicit ByteLevelBpeTokenizer(const fs::path& dir) : ModelTokenizer(dir / "tokenizer.json") {
    for (const auto& [token, id] : model_.addedTokens()) addSpecial(token, id);
    // Qwen2 tokenizers add no BOS; honour a config that asks for one.
    if (const auto config = readJson(dir / "tokenizer_config.json"); config.is_object() && config.value("add_bos_token", false)) {
      const auto bos = config.value("bos_token", nlohmann::json());
      if (bos.is_string()) bos_ = specialId(bos.get<std::string>());
    }
  }
};

}  // namespace

void Tokenizer::addSpecial(const std::string& token, std::int64_t id) {
  if (token.empty() || id < 0) return;
  special_[token] = id;
  specialText_[id] = token;
}

std::int64_t Tokenizer::specialId(const std::string& token) const {
  const auto it = special_.find(token);
  return it == special_.end() ? -1 : it->second;
}

std::vector<std::int64_t> Tokenizer::encode(std::string_view text) const {
  std::vector<std::int64_t> ids;
  if (bos_ >= 0) ids.push_back(bos_);
  std::size_t start = 0;
  while (start < text.size()) {
    // The earliest (then longest) added token from here.
    std::size_t at = std::string_view::npos;
    const std::pair<const std::string, std::int64_t>* match = nullptr;
    for (const auto& entry : special_) {
      const std::size_t found = text.find(entry.first, start);
      if (found < at || (found == at && match && entry.first.size() > match->first.size())) {
        at = found;
        match = &entry;
      }
    }
    const std::string_view plain = text.substr(start, (match ? at : text.size()) - start);
    if (!plain.empty()) encodePlain(plain, ids);
    if (!match) break;
    ids.push_back(match->second);
    start = at + match->first.size();
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string text;
  std::vector<std::int64_t> run;
  for (const auto id : ids) {
    const auto special = specialText_.find(id);
    if (special == specialText_.end()) {
      run.push_back(id);
      continue;
    }
    if (!run.empty()) text += decodePlain(run);
    run.clear();
    text += special->second;
  }
  if (!run.empty()) text += decodePlain(run);
  return text;
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& modelDir) {
  const fs::path dir(modelDir);
  if (fs::exists(dir / "tokenizer.model")) return std::make_unique<SentencePieceTokenizer>(dir);
  if (fs::exists(dir / "tokenizer.json")) return std::make_unique<ByteLevelBpeTokenizer>(dir);
  throw std::runtime_error(modelDir + ": no tokenizer.model or tokenizer.json");
}

std::string withImageLabels(const std::string& question, int images) {
  if (question.find("<image>") != std::string::npos || images == 0) return question;
  if (images == 1) return "<image>\n" + question;
  std::string labelled;
  for (int i = 1; i <= images; ++i) labelled += "Image-" + std::to_string(i) + ": <image>\n";
  return labelled + question;
}

std::string formatChat(const ChatPrompt& prompt, const std::vector<int>& tilesPerImage, int tokensPerTile) {
  std::string user;
  std::size_t image = 0, from = 0;
  for (std::size_t at = prompt.user.find("<image>"); at != std::string::npos; at = prompt.user.find("<image>", from)) {
    if (image >= tilesPerImage.size()) throw std::runtime_error("the prompt has more <image> than images");
    user += prompt.user.substr(from, at - from) + "<img>";
    for (int i = 0; i < tokensPerTile * tilesPerImage[image]; ++i) user += "<IMG_CONTEXT>";
    user += "</img>";
    from = at + 7;
    ++image;
  }
  user += prompt.user.substr(from);
  if (image != tilesPerImage.size()) throw std::runtime_error("the prompt has fewer <image> than images");
  const std::string system = prompt.system.empty() ? kInternVLSystem : prompt.system;
  // internlm2-chat and Hermes-2 (ChatML) write the same turn markers; they differ in tokenizers.
  if (prompt.templateName != "internlm2-chat" && prompt.templateName != "Hermes-2" && !prompt.templateName.empty()) {
    throw std::runtime_error("unknown chat template '" + prompt.templateName + "' (internlm2-chat, Hermes-2)");
  }
  return "<|im_start|>system\n" + system + "<|im_end|>\n<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
}

}  // namespace mspa::inference
