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
// The numerators of softmax(scores · scale) over all `columns` — exp(scale · (score − max)),
// each in (0, 1] — rounded to bfloat16 into `numerators`; returns their float32 sum, the
// denominator. The tile attention's float32 scores are never stored in bfloat16, and it divides
// its 16 × head-size answers by the sums instead of every probability (as flash attention does).
float softmaxNumeratorsInto(const float* scores, std::int64_t columns, float scale,
                            std::uint16_t* numerators, RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
