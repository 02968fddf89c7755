#include "inference/byte_level_bpe.h"

#include "inference/json_file.h"

#include <array>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#ifdef MSPA_HAVE_ICU
#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>
#endif

namespace mspa::inference {
namespace {

// GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes stand for
// themselves, the others take code points from U+0100 on, in byte order.
std::array<char32_t, 256> byteToCodePoint() {
  std::array<char32_t, 256> map{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable =
        (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return map;
}

// Byte-level token text (UTF-8 of the mapped characters) back to the raw bytes it stands for;
// false when a character is outside the map.
bool unmapToken(const std::string& text, std::string& bytes) {
  static const auto inverse = [] {
    std::unordered_map<char32_t, char> m;
    const auto map = byteToCodePoint();
    for (int b = 0; b < 256; ++b) m[map[b]] = static_cast<char>(b);
    return m;
  }();
  bytes.clear();
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + length > text.size()) return false;
    char32_t cp = length == 1 ? c : c & (0x3F >> (length - 1));
    for (int k = 1; k < length; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    const auto it = inverse.find(cp);
    if (it == inverse.end()) return false;
    bytes += it->second;
    i += length;
  }
  return true;
}

std::uint64_t pairKey(std::int64_t left, std::int64_t right) {
  return (static_cast<std::uint64_t>(left) << 32) | static_cast<std::uint64_t>(right);
}

// The split regex of a supported pre-tokenizer: Sequence[Split(Regex, Isolated), ByteLevel(no
// regex)] as Qwen2 writes it, or a lone ByteLevel with GPT-2's own regex.
std::string splitPattern(const nlohmann::json& pre, const std::string& path) {
  const std::string gpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  const auto type = pre.value("type", "");
  if (type == "ByteLevel" && pre.value("use_regex", true) && !pre.value("add_prefix_space", false))
    return gpt2;
  if (type == "Sequence" && pre.contains("pretokenizers") && pre["pretokenizers"].size() == 2) {
    const auto& split = pre["pretokenizers"][0];
    const auto& byteLevel = pre["pretokenizers"][1];
    const bool supported =
        split.value("type", "") == "Split" && split.value("behavior", "") == "Isolated" &&
        !split.value("invert", false) && split.contains("pattern") &&
        split["pattern"].contains("Regex") && byteLevel.value("type", "") == "ByteLevel" &&
        !byteLevel.value("use_regex", true) && !byteLevel.value("add_prefix_space", false);
    if (supported) return split["pattern"]["Regex"].get<std::string>();
  }
  throw std::runtime_error(path + ": unsupported pre_tokenizer " + pre.dump().substr(0, 200) +
                           " (expected byte-level BPE as in Qwen2 or GPT-2)");
}

// `tokenizers` evaluates patterns with the Rust regex crate, where \s is Unicode White_Space;
// ICU's \s leaves out U+000B and U+0085, so say what is meant.
std::string withUnicodeWhitespace(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[i + 1];
      out += next == 's'   ? "\\p{White_Space}"
             : next == 'S' ? "\\P{White_Space}"
                           : std::string{'\\', next};
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

#ifdef MSPA_HAVE_ICU
struct ByteLevelBpe::Splitter {
  std::unique_ptr<icu::RegexPattern> pattern;
  const icu::Normalizer2* nfc = nullptr;

  // The pre-tokens of `text`: the regex's matches and the gaps between them, in order.
  template <typename Visit>
  void split(std::string_view text, Visit&& visit) const {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString input = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    if (nfc) input = nfc->normalize(input, status);
    std::unique_ptr<icu::RegexMatcher> matcher(pattern->matcher(input, status));
    if (U_FAILURE(status))
      throw std::runtime_error(std::string("tokenizer regex: ") + u_errorName(status));
    std::string piece;
    const auto emit = [&](int32_t from, int32_t to) {
      if (from >= to) return;
      piece.clear();
      input.tempSubStringBetween(from, to).toUTF8String(piece);
      visit(std::string_view(piece));
    };
    int32_t last = 0;
    while (matcher->find(status) && U_SUCCESS(status)) {
      const int32_t start = matcher->start(status), end = matcher->end(status);
      emit(last, start);
      emit(start, end);
      last = end;
    }
    emit(last, input.length());
  }
};
#else
struct ByteLevelBpe::Splitter {
  template <typename Visit>
  void split(std::string_view, Visit&&) const {}
};
#endif

ByteLevelBpe::~ByteLevelBpe() = default;

ByteLevelBpe::ByteLevelBpe(const std::string& path) : path_(path) {
#ifndef MSPA_HAVE_ICU
  throw std::runtime_error(path +
                           ": byte-level BPE tokenizers need ICU, and this build has none (install "
                           "libicu-dev and rebuild)");
#else
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw std::runtime_error(path + ": invalid JSON");
  const auto& model = json.value("model", nlohmann::json::object());
  if (model.value("type", "") != "BPE" || !model.contains("vocab") || !model["vocab"].is_object() ||
      !model.contains("merges")) {
    throw std::runtime_error(path + ": model is not BPE with a vocab and merges");
  }
  // Ids are dense from 0: one beyond the vocabulary's size would be a hole, or a huge allocation.
  const auto entries = static_cast<std::int64_t>(model["vocab"].size());
  tokens_.resize(static_cast<std::size_t>(entries));
  for (const auto& [token, id] : model["vocab"].items()) {
    const auto index = tokenIdOf(id);
    if (index < 0 || index >= entries) {
      throw std::runtime_error(path + ": vocab id " + id.dump() + " of '" + token +
                               "' is outside 0.." + std::to_string(entries - 1));
    }
    if (!unmapToken(token, tokens_[index]))
      throw std::runtime_error(path + ": vocab entry '" + token + "' is not byte-level");
  }
  std::unordered_map<std::string, std::int64_t> byText;
  for (std::size_t id = 0; id < tokens_.size(); ++id)
    byText.emplace(tokens_[id], static_cast<std::int64_t>(id));
  for (int b = 0; b < 256; ++b) {
    const auto it = byText.find(std::string(1, static_cast<char>(b)));
    if (it == byText.end())
      throw std::runtime_error(path + ": vocab lacks the token for byte " + std::to_string(b));
    byteIds_[b] = it->second;
  }
  int rank = 0;
  for (const auto& entry : model["merges"]) {
    // Older files write "left right", newer ones ["left", "right"].
    std::string left, right;
    if (entry.is_array() && entry.size() == 2) {
      left = entry[0].get<std::string>();
      right = entry[1].get<std::string>();
    } else if (entry.is_string()) {
      const auto text = entry.get<std::string>();
      const auto space = text.find(' ', 1);
      if (space == std::string::npos)
        throw std::runtime_error(path + ": merge '" + text + "' has no space");
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else {
      throw std::runtime_error(path + ": malformed merge " + entry.dump());
    }
    std::string l, r;
    if (!unmapToken(left, l) || !unmapToken(right, r))
      throw std::runtime_error(path + ": merge outside the byte map");
    const auto li = byText.find(l), ri = byText.find(r), mi = byText.find(l + r);
    if (li == byText.end() || ri == byText.end() || mi == byText.end()) {
      throw std::runtime_error(path + ": merge '" + left + " " + right +
                               "' uses tokens missing from the vocab");
    }
    merges_.emplace(pairKey(li->second, ri->second), Merge{rank++, mi->second});
  }
  for (const auto& token : json.value("added_tokens", nlohmann::json::array())) {
    const auto id = token.is_object() && token.contains("id") ? tokenIdOf(token["id"]) : -1;
    if (id >= 0) added_.push_back({token.value("content", ""), id, token.value("special", true)});
  }
  splitter_ = std::make_unique<Splitter>();
  UErrorCode status = U_ZERO_ERROR;
  const auto pattern = withUnicodeWhitespace(
      splitPattern(json.value("pre_tokenizer", nlohmann::json::object()), path));
  UParseError where{};
  splitter_->pattern.reset(
      icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(pattern), 0, where, status));
  if (U_FAILURE(status))
    throw std::runtime_error(path +
                             ": pre-tokenizer regex does not compile: " + u_errorName(status));
  const auto normalizer = json.value("normalizer", nlohmann::json());
  if (normalizer.is_object() && normalizer.value("type", "") == "NFC") {
    splitter_->nfc = icu::Normalizer2::getNFCInstance(status);
  } else if (!normalizer.is_null()) {
    throw std::runtime_error(path + ": unsupported normalizer " + normalizer.dump().substr(0, 100));
  }
#endif
}

std::vector<std::int64_t> ByteLevelBpe::encode(std::string_view text) const {
  std::vector<std::int64_t> ids;
  splitter_->split(text, [&](std::string_view word) { encodeWord(word, ids); });
  return ids;
}

void ByteLevelBpe::encodeWord(std::string_view bytes, std::vector<std::int64_t>& ids) const {
  std::vector<std::int64_t> symbols;
  symbols.reserve(bytes.size());
  for (char b : bytes) symbols.push_back(byteIds_[static_cast<unsigned char>(b)]);
  while (symbols.size() > 1) {
    std::size_t best = 0;
    const Merge* bestMerge = nullptr;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = merges_.find(pairKey(symbols[i], symbols[i + 1]));
      if (it != merges_.end() && (!bestMerge || it->second.rank < bestMerge->rank)) {
        best = i;
        bestMerge = &it->second;
      }
    }
    if (!bestMerge) break;
    symbols[best] = bestMerge->merged;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

std::string ByteLevelBpe::decode(const std::vector<std::int64_t>& ids) const {
  std::string bytes;
  for (const auto id : ids) {
    if (id < 0 || id >= vocabSize())
      throw std::runtime_error(path_ + ": token id " + std::to_string(id) +
                               " outside the vocabulary");
    bytes += tokens_[id];
  }
  return bytes;
}

}  // namespace mspa::inference
