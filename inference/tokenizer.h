#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mspa::inference {

// Text to token ids and back for InternVL checkpoints: SentencePiece `tokenizer.model` (InternLM2)
// with the added tokens of `added_tokens.json` / `tokenizer_config.json`, or byte-level BPE
// `tokenizer.json` (Qwen2-based models) with its `added_tokens`. Added tokens are matched in the
// text first (earliest, then longest), and the pieces between them go to the model.
class Tokenizer {
 public:
  // Throws std::runtime_error naming the folder when there is no usable tokenizer there.
  static std::unique_ptr<Tokenizer> load(const std::string& modelDir);
  virtual ~Tokenizer() = default;

  // With the beginning-of-sequence id first when the tokenizer config asks for it.
  // Linear in the text's length: each added token's next occurrence is searched for once per match
  // it lies behind.
  std::vector<std::int64_t> encode(std::string_view text) const;
  // With `skipSpecial`, added tokens marked special are left out (transformers'
  // skip_special_tokens, which chat() uses for the answer).
  std::string decode(const std::vector<std::int64_t>& ids, bool skipSpecial = false) const;
  // The id of an added token such as "<|im_end|>", or -1.
  std::int64_t specialId(const std::string& token) const;

 protected:
  void addSpecial(const std::string& token, std::int64_t id, bool special = true);
  virtual void encodePlain(std::string_view text, std::vector<std::int64_t>& ids) const = 0;
  virtual std::string decodePlain(const std::vector<std::int64_t>& ids) const = 0;
  std::int64_t bos_ = -1;  // -1: none added

 private:
  std::map<std::string, std::int64_t> special_;
  struct AddedToken {
    std::string text;
    bool special;
  };
  std::map<std::int64_t, AddedToken> specialText_;
};

}  // namespace mspa::inference
