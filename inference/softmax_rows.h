#pragma once

// The normalisation step of the engine's CPU attention, on raw score rows: no LibTorch, so that it
// can be tested on its own against double precision.

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// Replaces row[0, columns) by softmax(row · scale) over [begin, end) and 0 outside it, computing
// in float32 whatever the storage. `begin < end <= columns`. This folds what attention otherwise
// does in four passes over the scores (scale, mask, softmax, cast) into three reads of one row
// that stays in cache.
void softmaxRow(float* row, std::int64_t columns, std::int64_t begin, std::int64_t end, float scale,
                RowKernel kernel = RowKernel::Fastest);
// The same on bfloat16 bits (the upper half of a float32; rounded to nearest even on the way
// back).
void softmaxRow(std::uint16_t* row, std::int64_t columns, std::int64_t begin, std::int64_t end,
                float scale, RowKernel kernel = RowKernel::Fastest);
// softmax(scores · scale) over all `columns`, rounded to bfloat16 into `probabilities`: the tile
// attention's float32 scores, never stored in bfloat16. `scores` is overwritten (it holds the
// exponentials meanwhile).
void softmaxRowInto(float* scores, std::int64_t columns, float scale, std::uint16_t* probabilities,
                    RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
