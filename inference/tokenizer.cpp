#include "inference/tokenizer.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/byte_level_bpe.h"
#include "inference/json_file.h"
#include "inference/sentencepiece_model.h"

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

// The added-token handling is Tokenizer's; the model encodes what lies between.
template <typename Model>
class ModelTokenizer : public Tokenizer {
 protected:
  explicit ModelTokenizer(const fs::path& file) : model_(file.string()) {}

  void encodePlain(std::string_view text, std::vector<std::int64_t>& ids) const override {
    const auto pieceIds = model_.encode(text);
    ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
  }
  std::string decodePlain(const std::vector<std::int64_t>& ids) const override {
    return model_.decode(ids);
  }

  Model model_;
};

class SentencePieceTokenizer : public ModelTokenizer<SentencePieceModel> {
 public:
  explicit SentencePieceTokenizer(const fs::path& dir) : ModelTokenizer(dir / "tokenizer.model") {
    if (const auto added = readOptionalJson(dir / "added_tokens.json"); added.is_object()) {
      for (const auto& [token, id] : added.items()) addSpecial(token, tokenIdOf(id));
    }
    bool addBos = true;
    if (const auto config = readOptionalJson(dir / "tokenizer_config.json"); config.is_object()) {
      addBos = config.value("add_bos_token", true);
      if (config.contains("added_tokens_decoder")) {
        for (const auto& [id, token] : config["added_tokens_decoder"].items()) {
          std::int64_t number = -1;
          const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), number);
          if (error == std::errc() && end == id.data() + id.size())
            addSpecial(token.value("content", ""), number, token.value("special", true));
        }
      }
    }
    if (addBos) bos_ = model_.bosId();
  }
};

class ByteLevelBpeTokenizer : public ModelTokenizer<ByteLevelBpe> {
 public:
  explicit ByteLevelBpeTokenizer(const fs::path& dir) : ModelTokenizer(dir / "tokenizer.json") {
    for (const auto& t : model_.addedTokens()) addSpecial(t.content, t.id, t.special);
    // Qwen2 tokenizers add no BOS; honour a config that asks for one.
    if (const auto config = readOptionalJson(dir / "tokenizer_config.json");
        config.is_object() && config.value("add_bos_token", false)) {
      const auto bos = config.value("bos_token", nlohmann::json());
      if (bos.is_string()) bos_ = specialId(bos.get<std::string>());
    }
  }
};

}  // namespace

void Tokenizer::addSpecial(const std::string& token, std::int64_t id, bool special) {
  if (token.empty() || id < 0) return;
  special_[token] = id;
  specialText_[id] = {token, special};
}

std::int64_t Tokenizer::specialId(const std::string& token) const {
  const auto it = special_.find(token);
  return it == special_.end() ? -1 : it->second;
}

std::vector<std::int64_t> Tokenizer::encode(std::string_view text) const {
  std::vector<std::int64_t> ids;
  if (bos_ >= 0) ids.push_back(bos_);
  // Each added token with the position of its next occurrence at or after `start`.
  struct Candidate {
    const std::string* token;
    std::int64_t id;
    std::size_t at;
  };
  std::vector<Candidate> candidates;
  for (const auto& [token, id] : special_) candidates.push_back({&token, id, text.find(token)});
  std::size_t start = 0;
  while (start < text.size()) {
    const Candidate* match = nullptr;  // the earliest, then the longest
    for (auto& c : candidates) {
      if (c.at < start) c.at = text.find(*c.token, start);
      if (c.at != std::string_view::npos &&
          (!match || c.at < match->at ||
           (c.at == match->at && c.token->size() > match->token->size()))) {
        match = &c;
      }
    }
    const std::string_view plain = text.substr(start, (match ? match->at : text.size()) - start);
    if (!plain.empty()) encodePlain(plain, ids);
    if (!match) break;
    ids.push_back(match->id);
    start = match->at + match->token->size();
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids, bool skipSpecial) const {
  std::string text;
  std::vector<std::int64_t> run;
  for (const auto id : ids) {
    const auto added = specialText_.find(id);
    if (added == specialText_.end()) {
      run.push_back(id);
      continue;
    }
    if (!run.empty()) text += decodePlain(run);
    run.clear();
    if (!skipSpecial || !added->second.special) text += added->second.text;
  }
  if (!run.empty()) text += decodePlain(run);
  return text;
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& modelDir) {
  const fs::path dir(modelDir);
  try {
    if (fs::exists(dir / "tokenizer.model")) return std::make_unique<SentencePieceTokenizer>(dir);
    if (fs::exists(dir / "tokenizer.json")) return std::make_unique<ByteLevelBpeTokenizer>(dir);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    throw std::runtime_error(modelDir + ": tokenizer files: " + e.what());
  }
  throw std::runtime_error(modelDir + ": no tokenizer.model or tokenizer.json");
}

}  // namespace mspa::inference
