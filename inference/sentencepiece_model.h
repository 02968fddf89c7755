#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mspa::inference {

// A SentencePiece BPE model read from its tokenizer.model (a protobuf, read field by field here:
// linking Debian's libsentencepiece into a process with LibTorch crashes at load time, two
// protobuf copies). Identity normalization only, as InternLM2 and LLaMA tokenizers use; byte
// fallback supported. Encoding follows spm_encode: dummy prefix, spaces as U+2581, then the
// highest-scoring merge first, leftmost on ties.
class SentencePieceModel {
 public:
  // Throws std::runtime_error naming the file for an unreadable or unsupported model.
  explicit SentencePieceModel(const std::string& path);

  std::vector<std::int64_t> encode(std::string_view text) const;
  std::string decode(const std::vector<std::int64_t>& ids) const;
  int size() const { return static_cast<int>(pieces_.size()); }
  std::int64_t bosId() const { return bos_; }
  std::int64_t eosId() const { return eos_; }

 private:
  enum class Type { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
  struct Piece {
    std::string text;
    float score = 0;
    Type type = Type::Normal;
  };

  std::vector<Piece> pieces_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::int64_t byteIds_[256];
  std::int64_t unk_ = 0, bos_ = 1, eos_ = 2;
  bool byteFallback_ = false, addDummyPrefix_ = true, removeExtraWhitespaces_ = true;
};

}  // namespace mspa::inference
