#include "inference/attention_tiles.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "inference/bfloat16_lanes.h"
#include "inference/softmax_rows.h"

// AMX intrinsics came with GCC 11 and Clang 12; GPU servers may build the engine with older ones.
#if defined(__clang__)
#define MSPA_AMX_INTRINSICS (__clang_major__ >= 12)
#else
#define MSPA_AMX_INTRINSICS (__GNUC__ >= 11)
#endif

#if defined(MSPA_ROWS_AVX512) && defined(__linux__) && MSPA_AMX_INTRINSICS
#include <sys/syscall.h>
#include <unistd.h>
#define MSPA_TILES 1
#define MSPA_AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl")))
#endif

namespace mspa::inference {

bool tileAttentionFits(std::int64_t headDim) {
  return headDim > 0 && headDim <= 128 && headDim % 32 == 0;
}

void TiledKeysValues::resize(std::int64_t keys, std::int64_t headDim) {
  keys_ = keys;
  headDim_ = headDim;
  // Per 32-key chunk: two blocks of 16 keys × headDim/2 pairs, and 32 keys × headDim values.
  keys_tiles_.resize(static_cast<std::size_t>(chunks() * 16 * headDim));
  values_tiles_.resize(static_cast<std::size_t>(chunks() * 32 * headDim));
}

#ifdef MSPA_TILES
namespace {

struct alignas(64) TileConfig {
  std::uint8_t palette, startRow;
  std::uint8_t reserved[14];
  std::uint16_t bytesPerRow[16];
  std::uint8_t rows[16];
};

// Every tile 16 rows of 64 bytes: 16 × 32 bfloat16 operands, 16 × 16 float32 sums. A constant:
// GCC 12's ldtilecfg builtin does not tell the optimiser that it reads the configuration, which
// lets it drop stores to a local one.
constexpr TileConfig kTiles16x64{
    1, 0, {}, {64, 64, 64, 64, 64, 64, 64, 64}, {16, 16, 16, 16, 16, 16, 16, 16}};

// Tile numbers are immediates in the instructions, hence the switches. Both products keep four
// independent sums (a tile product's latency is about four times its issue interval) and two
// tiles of the first operand, and alternate two tiles for the second, which lets a load wait
// for only the product two steps back.
//
// Scores: tiles 0 and 1 hold two quarters (32 elements each) of the block's 16 queries, 2–5 the
// scores of four blocks of 16 keys, 6 and 7 keys.
MSPA_AMX void scoreStep(std::int64_t sum, std::int64_t queryTile, const std::uint32_t* keys) {
  switch (2 * sum + queryTile) {
    case 0:
      _tile_loadd(6, keys, 64);
      _tile_dpbf16ps(2, 0, 6);
      break;
    case 1:
      _tile_loadd(6, keys, 64);
      _tile_dpbf16ps(2, 1, 6);
      break;
    case 2:
      _tile_loadd(7, keys, 64);
      _tile_dpbf16ps(3, 0, 7);
      break;
    case 3:
      _tile_loadd(7, keys, 64);
      _tile_dpbf16ps(3, 1, 7);
      break;
    case 4:
      _tile_loadd(6, keys, 64);
      _tile_dpbf16ps(4, 0, 6);
      break;
    case 5:
      _tile_loadd(6, keys, 64);
      _tile_dpbf16ps(4, 1, 6);
      break;
    case 6:
      _tile_loadd(7, keys, 64);
      _tile_dpbf16ps(5, 0, 7);
      break;
    default:
      _tile_loadd(7, keys, 64);
      _tile_dpbf16ps(5, 1, 7);
      break;
  }
}

MSPA_AMX void storeScores(std::int64_t sum, float* scores, std::int64_t strideBytes) {
  switch (sum) {
    case 0:
      _tile_stored(2, scores, strideBytes);
      break;
    case 1:
      _tile_stored(3, scores, strideBytes);
      break;
    case 2:
      _tile_stored(4, scores, strideBytes);
      break;
    default:
      _tile_stored(5, scores, strideBytes);
      break;
  }
}

// Quarters `first` and `first + 1` (when there is one) of the queries into tiles 0 and 1.
MSPA_AMX void loadQueries(const std::uint16_t* queries, std::int64_t first, std::int64_t quarters,
                          std::int64_t strideBytes) {
  _tile_loadd(0, queries + 32 * first, strideBytes);
  if (first + 1 < quarters) _tile_loadd(1, queries + 32 * (first + 1), strideBytes);
}

// Scores of 16 queries (rows `strideBytes` apart) against the keys of the first `chunks` 32-key
// chunks into `scores` (16 rows, `width` floats apart). Heads of up to 64 elements keep their
// queries in tiles 0 and 1 throughout.
MSPA_AMX void scoreBlock(const TiledKeysValues& kv, std::int64_t chunks,
                         const std::uint16_t* queries, std::int64_t strideBytes, float* scores,
                         std::int64_t width) {
  const std::int64_t quarters = kv.headDim() / 32, blocks = 2 * chunks;
  const bool resident = quarters <= 2;
  if (resident) loadQueries(queries, 0, quarters, strideBytes);
  for (std::int64_t first = 0; first < blocks; first += 4) {
    const std::int64_t sums = std::min<std::int64_t>(4, blocks - first);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    const auto keys = [&](std::int64_t j, std::int64_t quarter) {
      return kv.tiledKeys() + ((first + j) * quarters + quarter) * 256;
    };
    for (std::int64_t quarter = 0; quarter < quarters; quarter += 2) {
      if (!resident) loadQueries(queries, quarter, quarters, strideBytes);
      for (std::int64_t j = 0; j < sums; ++j) scoreStep(j, 0, keys(j, quarter));
      if (quarter + 1 < quarters) {
        for (std::int64_t j = 0; j < sums; ++j) scoreStep(j, 1, keys(j, quarter + 1));
      }
    }
    for (std::int64_t j = 0; j < sums; ++j) storeScores(j, scores + (first + j) * 16, width * 4);
  }
}

// Answers: tiles 0–3 sum 16 answer elements each, 4 and 5 hold two chunks of 32 keys'
// probabilities, 6 and 7 values.
MSPA_AMX void valueStep(std::int64_t sum, std::int64_t probabilityTile,
                        const std::uint16_t* values) {
  switch (2 * sum + probabilityTile) {
    case 0:
      _tile_loadd(6, values, 64);
      _tile_dpbf16ps(0, 4, 6);
      break;
    case 1:
      _tile_loadd(6, values, 64);
      _tile_dpbf16ps(0, 5, 6);
      break;
    case 2:
      _tile_loadd(7, values, 64);
      _tile_dpbf16ps(1, 4, 7);
      break;
    case 3:
      _tile_loadd(7, values, 64);
      _tile_dpbf16ps(1, 5, 7);
      break;
    case 4:
      _tile_loadd(6, values, 64);
      _tile_dpbf16ps(2, 4, 6);
      break;
    case 5:
      _tile_loadd(6, values, 64);
      _tile_dpbf16ps(2, 5, 6);
      break;
    case 6:
      _tile_loadd(7, values, 64);
      _tile_dpbf16ps(3, 4, 7);
      break;
    default:
      _tile_loadd(7, values, 64);
      _tile_dpbf16ps(3, 5, 7);
      break;
  }
}

// numerators (16 rows, `width` apart) times the values of the first `chunks` 32-key chunks, row r
// divided by denominators[r], into answers' rows [0, rows).
MSPA_AMX void answerBlock(const TiledKeysValues& kv, std::int64_t chunks,
                          const std::uint16_t* numerators, const float* denominators,
                          std::int64_t width, std::int64_t rows, std::uint16_t* answers,
                          std::int64_t answerStride) {
  const std::int64_t dimBlocks = kv.headDim() / 16;
  alignas(64) float sums[16 * 64];
  for (std::int64_t pass = 0; pass < dimBlocks; pass += 4) {
    const std::int64_t blocks = std::min<std::int64_t>(4, dimBlocks - pass);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    const auto values = [&](std::int64_t chunk, std::int64_t block) {
      return kv.tiledValues() + (chunk * dimBlocks + pass + block) * 512;
    };
    for (std::int64_t chunk = 0; chunk < chunks; chunk += 2) {
      const bool pair = chunk + 1 < chunks;
      _tile_loadd(4, numerators + chunk * 32, width * 2);
      if (pair) _tile_loadd(5, numerators + (chunk + 1) * 32, width * 2);
      for (std::int64_t b = 0; b < blocks; ++b) valueStep(b, 0, values(chunk, b));
      if (pair) {
        for (std::int64_t b = 0; b < blocks; ++b) valueStep(b, 1, values(chunk + 1, b));
      }
    }
    _tile_stored(0, sums, 256);
    _tile_stored(1, sums + 16, 256);
    _tile_stored(2, sums + 32, 256);
    _tile_stored(3, sums + 48, 256);
    for (std::int64_t r = 0; r < rows; ++r) {
      const __m512 inverse = _mm512_set1_ps(1.0f / denominators[r]);
      for (std::int64_t b = 0; b < blocks; ++b) {
        lanes::store16(answers + r * answerStride + (pass + b) * 16,
                       _mm512_mul_ps(_mm512_load_ps(sums + r * 64 + b * 16), inverse),
                       lanes::kAllLanes);
      }
    }
  }
}

// Per thread: a block's float32 scores, the bfloat16 numerators of its softmax, and a
// zero-padded copy of a last block shorter than 16 rows.
struct BlockBuffers {
  std::vector<float> scores;
  std::vector<std::uint16_t> numerators, queries;

  void resize(std::int64_t width, std::int64_t headDim) {
    scores.resize(static_cast<std::size_t>(kTileQueryRows * width));
    numerators.resize(static_cast<std::size_t>(kTileQueryRows * width));
    queries.assign(static_cast<std::size_t>(kTileQueryRows * headDim), 0);
  }
};

}  // namespace

MSPA_AMX void TiledKeysValues::pack(const std::uint16_t* keys, std::int64_t keyStride,
                                    const std::uint16_t* values, std::int64_t valueStride,
                                    std::int64_t firstChunk, std::int64_t endChunk) {
  const std::int64_t quarters = headDim_ / 32, dimBlocks = headDim_ / 16;
  // Keys: block b, quarter t holds at row r, column c the pair (2(16t + r), +1) of key 16b + c —
  // a gather of one pair from each of 16 key rows (pairs are 32-bit words: keyStride is even).
  const __m512i rowsApart =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int>(keyStride / 2)));
  for (std::int64_t block = 2 * firstChunk; block < 2 * endChunk; ++block) {
    const __mmask16 present = lanes::lanesFor(std::max<std::int64_t>(0, keys_ - 16 * block));
    const auto* pairs = reinterpret_cast<const int*>(keys + 16 * block * keyStride);
    auto* tile = reinterpret_cast<int*>(keys_tiles_.data() + block * quarters * 256);
    for (std::int64_t j = 0; j < 16 * quarters; ++j) {
      _mm512_storeu_si512(
          tile + j * 16,
          _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), present, rowsApart, pairs + j, 4));
    }
  }
  // Values: chunk, block d of 16 elements holds at row r, column c the pair of keys
  // (32 chunk + 2r, +1) at element 16d + c: two key rows interleaved.
  for (std::int64_t chunk = firstChunk; chunk < endChunk; ++chunk) {
    std::uint16_t* tiles = values_tiles_.data() + chunk * dimBlocks * 512;
    for (std::int64_t r = 0; r < 16; ++r) {
      const std::int64_t key = 32 * chunk + 2 * r;
      const __mmask16 first = key < keys_ ? lanes::kAllLanes : 0;
      const __mmask16 second = key + 1 < keys_ ? lanes::kAllLanes : 0;
      for (std::int64_t d = 0; d < dimBlocks; ++d) {
        const std::uint16_t* row = values + std::min(key, keys_ - 1) * valueStride + 16 * d;
        const __m512i low = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(first, row));
        const __m512i high = _mm512_cvtepu16_epi32(
            _mm256_maskz_loadu_epi16(second, row + (key + 1 < keys_ ? valueStride : 0)));
        _mm512_storeu_si512(tiles + d * 512 + r * 32,
                            _mm512_or_si512(low, _mm512_slli_epi32(high, 16)));
      }
    }
  }
}

bool tileAttentionAvailable() {
  static const bool available = [] {
    if (!lanes::hasAvx512() || !__builtin_cpu_supports("amx-tile") ||
        !__builtin_cpu_supports("amx-bf16"))
      return false;
    constexpr int kRequestPermission = 0x1023, kTileData = 18;  // ARCH_REQ_XCOMP_PERM, XTILEDATA
    return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
  }();
  return available;
}

MSPA_AMX void attendOnTiles(const TiledKeysValues& kv, const std::uint16_t* queries,
                            std::int64_t queryStride, std::int64_t queryRows,
                            std::int64_t firstBlock, std::int64_t endBlock, float scale,
                            std::uint16_t* answers, std::int64_t answerStride,
                            const VisibleKeys& visible) {
  const std::int64_t width = kv.chunks() * 32, dim = kv.headDim();
  thread_local BlockBuffers buffers;
  buffers.resize(width, dim);
  _tile_loadconfig(&kTiles16x64);
  for (std::int64_t block = firstBlock; block < endBlock; ++block) {
    const std::int64_t first = kTileQueryRows * block;
    const std::int64_t rows = std::min(kTileQueryRows, queryRows - first);
    const std::uint16_t* q = queries + first * queryStride;
    std::int64_t stride = queryStride;
    if (rows < kTileQueryRows) {
      for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(buffers.queries.data() + r * dim, q + r * queryStride, dim * 2);
      q = buffers.queries.data();
      stride = dim;
    }
    // Causal blocks stop at the chunk of the last key any of their rows sees.
    std::int64_t seen = 0;
    for (std::int64_t r = 0; r < rows; ++r) seen = std::max(seen, visible.of(first + r).second);
    const std::int64_t chunks = (seen + 31) / 32;
    scoreBlock(kv, chunks, q, stride * 2, buffers.scores.data(), width);
    float denominators[kTileQueryRows];
    for (std::int64_t r = 0; r < rows; ++r) {
      std::uint16_t* row = buffers.numerators.data() + r * width;
      const std::int64_t keys = visible.of(first + r).second;
      denominators[r] = softmaxNumeratorsInto(buffers.scores.data() + r * width, keys, scale, row);
      // Past the row's last key the products must add nothing: past the last key of all the
      // values are zero, but this row may hold a previous head's numerators there (a NaN, were
      // the softmax ever to pass one on, would reach the sums); before it, keys it must not see.
      std::fill(row + keys, row + chunks * 32, 0);
    }
    answerBlock(kv, chunks, buffers.numerators.data(), denominators, width, rows,
                answers + first * answerStride, answerStride);
  }
  _tile_release();
}

#else

bool tileAttentionAvailable() {
  return false;
}

void TiledKeysValues::pack(const std::uint16_t*, std::int64_t, const std::uint16_t*, std::int64_t,
                           std::int64_t, std::int64_t) {
  throw std::logic_error("TiledKeysValues::pack called where tileAttentionAvailable() is false");
}

void attendOnTiles(const TiledKeysValues&, const std::uint16_t*, std::int64_t, std::int64_t,
                   std::int64_t, std::int64_t, float, std::uint16_t*, std::int64_t,
                   const VisibleKeys&) {
  throw std::logic_error("attendOnTiles called where tileAttentionAvailable() is false");
}

#endif

}  // namespace mspa::inference
