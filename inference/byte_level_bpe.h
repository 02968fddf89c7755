#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mspa::inference {

// The byte-level BPE model of a Hugging Face `tokenizer.json` (GPT-2 style, as Qwen2/2.5/3 use):
// NFC normalization, the pre-tokenizer's split regex (evaluated by ICU, with `\s` meaning Unicode
// White_Space as in the Rust `regex` crate that `tokenizers` uses), bytes mapped to printable
// characters, then the lowest-ranked merge first, leftmost on ties. Added tokens are the
// caller's business (Tokenizer splits them off first).
class ByteLevelBpe {
 public:
  // Throws std::runtime_error naming the file for a model that is not byte-level BPE, or for a
  // build without ICU.
  explicit ByteLevelBpe(const std::string& tokenizerJsonPath);
  ~ByteLevelBpe();
  ByteLevelBpe(const ByteLevelBpe&) = delete;
  ByteLevelBpe& operator=(const ByteLevelBpe&) = delete;

  std::vector<std::int64_t> encode(std::string_view text) const;
  // Raw bytes; a multi-byte character split across calls is the caller's to join.
  std::string decode(const std::vector<std::int64_t>& ids) const;
  std::int64_t vocabSize() const { return static_cast<std::int64_t>(tokens_.size()); }
  struct AddedToken {
    std::string content;
    std::int64_t id;
    bool special;
  };
  // The file's `added_tokens`, special or not.
  const std::vector<AddedToken>& addedTokens() const { return added_; }

 private:
  struct Merge {
    int rank;
    std::int64_t merged;
  };
  struct Splitter;  // the ICU regex and normalizer, kept out of this header

  void encodeWord(std::string_view bytes, std::vector<std::int64_t>& ids) const;

  std::vector<std::string> tokens_;                  // id -> raw bytes
  std::array<std::int64_t, 256> byteIds_{};          // the one-byte tokens
  std::unordered_map<std::uint64_t, Merge> merges_;  // (left id, right id) -> merge
  std::vector<AddedToken> added_;
  std::unique_ptr<Splitter> splitter_;
  std::string path_;
};

}  // namespace mspa::inference
