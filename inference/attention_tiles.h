#pragma once

// Attention of one key/value head on the CPU's AMX tiles (Intel's matrix unit, from Sapphire
// Rapids on): bfloat16 queries, keys and values; float32 scores that never leave a block of 16
// query rows; the softmax's bfloat16 numerators times the values, divided by their sums; a
// bfloat16 answer. Without LibTorch, so
// that it can be tested on its own against double precision; the caller runs the query blocks in
// parallel.

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace mspa::inference {

// Whether this CPU has AMX with bfloat16 products and the kernel lets this process use its tiles
// (Linux asks each process to request them once).
bool tileAttentionAvailable();

// Head sizes the tiles take: multiples of 32 up to 128.
bool tileAttentionFits(std::int64_t headDim);

// One head's keys and values rearranged for the tiles: keys as 16 × 16 blocks of key-element
// pairs (keys across, pairs down, the layout a product's second operand takes), values as pairs
// of consecutive keys per 16 value elements. Zero past the last key. Reused head after head.
class TiledKeysValues {
 public:
  // For `keys` keys of `headDim` elements.
  void resize(std::int64_t keys, std::int64_t headDim);
  // Rearranges keys and values (rows `keyStride` (even) and `valueStride` elements apart) of the
  // 32-key chunks [firstChunk, endChunk): chunks are independent, so that they can be packed in
  // parallel.
  void pack(const std::uint16_t* keys, std::int64_t keyStride, const std::uint16_t* values,
            std::int64_t valueStride, std::int64_t firstChunk, std::int64_t endChunk);

  std::int64_t keys() const { return keys_; }
  std::int64_t headDim() const { return headDim_; }
  std::int64_t chunks() const { return (keys_ + 31) / 32; }
  const std::uint32_t* tiledKeys() const { return keys_tiles_.data(); }
  const std::uint16_t* tiledValues() const { return values_tiles_.data(); }

 private:
  std::int64_t keys_ = 0, headDim_ = 0;
  std::vector<std::uint32_t> keys_tiles_;
  std::vector<std::uint16_t> values_tiles_;
};

// Which keys the grouped row `row` (query head row / length of its key/value head, position
// firstPosition + row % length) may look at, [from, to): up to itself when causal, and past the
// padding when it is itself past the padding (padding queries attend among themselves, keeping
// rows finite). Shared by the products path and the tiles, which take no padding.
struct VisibleKeys {
  std::int64_t length, firstPosition, keys, padding;
  bool causal;

  std::pair<std::int64_t, std::int64_t> of(std::int64_t row) const {
    const std::int64_t position = firstPosition + row % length;
    const std::int64_t end = causal ? std::min(keys, position + 1) : keys;
    return {padding > 0 && position >= padding ? padding : 0, end};
  }
};

// Query rows per block of attendOnTiles: one tile's rows.
constexpr std::int64_t kTileQueryRows = 16;

// softmax(q kᵀ · scale) v for the query rows of blocks [firstBlock, endBlock) (kTileQueryRows
// rows each; the last may be shorter) of `queryRows` rows `queryStride` elements apart, each seeing
// the keys `visible` gives it (without padding: from 0); answers are written `answerStride`
// elements apart. Requires tileAttentionAvailable().
void attendOnTiles(const TiledKeysValues& keysValues, const std::uint16_t* queries,
                   std::int64_t queryStride, std::int64_t queryRows, std::int64_t firstBlock,
                   std::int64_t endBlock, float scale, std::uint16_t* answers,
                   std::int64_t answerStride, const VisibleKeys& visible);

}  // namespace mspa::inference
