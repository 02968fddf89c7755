#include "inference/sentencepiece_model.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace mspa::inference {
namespace {

const std::string kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's visible space

// Minimal protobuf wire-format reader: varints, 32-bit floats and length-delimited fields.
class Wire {
 public:
  Wire(std::string_view bytes, const std::string& file) : bytes_(bytes), file_(file) {}
  bool done() const { return pos_ >= bytes_.size(); }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail();
      const auto b = static_cast<std::uint8_t>(bytes_[pos_++]);
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
    fail();
  }
  std::string_view bytes() {
    const auto n = varint();
    if (n > bytes_.size() - pos_) fail();
    const std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  float fixed32() {
    if (bytes_.size() - pos_ < 4) fail();
    float f;
    std::copy_n(bytes_.data() + pos_, 4, reinterpret_cast<char*>(&f));
    pos_ += 4;
    return f;
  }
  void skip(int wireType) {
    if (wireType == 0)
      varint();
    else if (wireType == 1)
      advance(8);
    else if (wireType == 2)
      bytes();
    else if (wireType == 5)
      advance(4);
    else
      fail();
  }
  void advance(std::size_t n) {
    if (n > bytes_.size() - pos_) fail();
    pos_ += n;
  }
  [[noreturn]] void fail() const {
    throw std::runtime_error(file_ + ": not a valid SentencePiece model (corrupt protobuf)");
  }

 private:
  std::string_view bytes_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

// The byte of a byte-fallback piece "<0xAB>", or -1 when the text is not that form.
int byteOfPiece(const std::string& text) {
  const auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
  };
  if (text.size() != 6 || text.compare(0, 3, "<0x") != 0 || text[5] != '>' || hex(text[3]) < 0 ||
      hex(text[4]) < 0)
    return -1;
  return hex(text[3]) * 16 + hex(text[4]);
}

std::size_t utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

}  // namespace

SentencePieceModel::SentencePieceModel(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Wire model(data, path);
  int modelType = 1;
  std::string normalizer = "nmt_nfkc";
  while (!model.done()) {
    const auto key = model.varint();
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (field == 1 && wire == 2) {  // SentencePiece
      Wire p(model.bytes(), path);
      Piece piece;
      while (!p.done()) {
        const auto k = p.varint();
        if ((k >> 3) == 1 && (k & 7) == 2)
          piece.text = std::string(p.bytes());
        else if ((k >> 3) == 2 && (k & 7) == 5)
          piece.score = p.fixed32();
        else if ((k >> 3) == 3 && (k & 7) == 0)
          piece.type = static_cast<Type>(p.varint());
        else
          p.skip(static_cast<int>(k & 7));
      }
      pieces_.push_back(std::move(piece));
    } else if (field == 2 && wire == 2) {  // TrainerSpec
      Wire t(model.bytes(), path);
      while (!t.done()) {
        const auto k = t.varint();
        const auto f = k >> 3;
        if ((k & 7) != 0) {
          t.skip(static_cast<int>(k & 7));
          continue;
        }
        const auto v = t.varint();
        if (f == 3) modelType = static_cast<int>(v);
        if (f == 35) byteFallback_ = v != 0;
        if (f == 40) unk_ = static_cast<std::int64_t>(v);
        if (f == 41) bos_ = static_cast<std::int32_t>(v);
        if (f == 42) eos_ = static_cast<std::int32_t>(v);
      }
    } else if (field == 3 && wire == 2) {  // NormalizerSpec
      Wire n(model.bytes(), path);
      while (!n.done()) {
        const auto k = n.varint();
        if ((k >> 3) == 1 && (k & 7) == 2)
          normalizer = std::string(n.bytes());
        else if ((k >> 3) == 3 && (k & 7) == 0)
          addDummyPrefix_ = n.varint() != 0;
        else if ((k >> 3) == 4 && (k & 7) == 0)
          removeExtraWhitespaces_ = n.varint() != 0;
        else
          n.skip(static_cast<int>(k & 7));
      }
    } else {
      model.skip(wire);
    }
  }
  if (pieces_.empty()) throw std::runtime_error(path + ": the SentencePiece model has no pieces");
  if (modelType != 2)
    throw std::runtime_error(path +
                             ": only SentencePiece BPE models are supported (this one is type " +
                             std::to_string(modelType) + ")");
  if (normalizer != "identity")
    throw std::runtime_error(path + ": normalization '" + normalizer +
                             "' is not supported (identity only)");
  std::fill(std::begin(byteIds_), std::end(byteIds_), -1);
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const Piece& p = pieces_[i];
    if (p.type == Type::Byte) {
      const int byte = byteOfPiece(p.text);
      if (byte < 0)
        throw std::runtime_error(path + ": byte piece " + std::to_string(i) +
                                 " is not of the form <0xAB>");
      byteIds_[byte] = static_cast<std::int64_t>(i);
    }
    if (p.type == Type::Normal || p.type == Type::UserDefined)
      ids_.emplace(p.text, static_cast<std::int64_t>(i));
  }
}

std::vector<std::int64_t> SentencePieceModel::encode(std::string_view input) const {
  std::string text(input);
  if (removeExtraWhitespaces_) {
    std::string collapsed;
    for (char c : text) {
      if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
      collapsed += c;
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    text = collapsed;
  }
  if (text.empty()) return {};
  if (addDummyPrefix_) text = " " + text;
  std::string escaped;
  for (char c : text) escaped += c == ' ' ? kSpace : std::string(1, c);

  // Symbols start as characters and merge pairwise: highest score first, leftmost on ties.
  std::vector<std::string> symbols;
  for (std::size_t i = 0; i < escaped.size();) {
    const std::size_t n =
        std::min(utf8Length(static_cast<unsigned char>(escaped[i])), escaped.size() - i);
    symbols.push_back(escaped.substr(i, n));
    i += n;
  }
  while (symbols.size() > 1) {
    std::size_t best = symbols.size();
    float bestScore = 0;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = ids_.find(symbols[i] + symbols[i + 1]);
      if (it == ids_.end()) continue;
      const float score = pieces_[static_cast<std::size_t>(it->second)].score;
      if (best == symbols.size() || score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best == symbols.size()) break;
    symbols[best] += symbols[best + 1];
    symbols.erase(symbols.begin() + static_cast<long>(best) + 1);
  }
  std::vector<std::int64_t> ids;
  for (const auto& s : symbols) {
    const auto it = ids_.find(s);
    if (it != ids_.end()) {
      ids.push_back(it->second);
    } else if (byteFallback_) {
      for (unsigned char b : s) ids.push_back(byteIds_[b] >= 0 ? byteIds_[b] : unk_);
    } else {
      ids.push_back(unk_);
    }
  }
  return ids;
}

std::string SentencePieceModel::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (auto id : ids) {
    if (id < 0 || id >= size()) continue;
    const Piece& p = pieces_[static_cast<std::size_t>(id)];
    if (p.type == Type::Byte) {
      out += static_cast<char>(byteOfPiece(p.text));  // checked when the model was read
    } else if (p.type == Type::Normal || p.type == Type::UserDefined) {
      out += p.text;
    }
  }
  std::string text;
  for (std::size_t i = 0; i < out.size();) {
    if (out.compare(i, kSpace.size(), kSpace) == 0) {
      text += ' ';
      i += kSpace.size();
    } else {
      text += out[i++];
    }
  }
  if (addDummyPrefix_ && !text.empty() && text[0] == ' ') text.erase(0, 1);
  return text;
}

}  // namespace mspa::inference
