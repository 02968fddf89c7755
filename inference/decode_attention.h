#pragma once

// A decode step's attention on raw bfloat16 rows, no LibTorch: the query heads that one
// key/value head serves, at one position each, against that head's cached keys and values. At a
// long context the cache is read once per token like the weights, and LibTorch 1.13's products
// of two query rows with thousands of keys cost as much per byte as its one-row linear
// (docs/PERFORMANCE.md); this streams keys through the decode products' kernel and values
// through one of its own.

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// One key/value head's cache: `positions` keys and as many values, rows of `dim` bfloat16 one
// after the other.
struct CachedHead {
  const std::uint16_t* keys;
  const std::uint16_t* values;
  std::int64_t positions, dim;
};

// answers[r] = softmax(queries[r] · keysᵀ · scale) · values over the positions [from, to) for
// `rows` query rows [rows, dim] (answers the same shape). As LibTorch's bfloat16 attention
// computes it: the scores are rounded to bfloat16, normalised in float32 and rounded again, and
// each answer is a float32 sum rounded once. `scores` is room for rows · (to − from).
void attendOnePosition(const std::uint16_t* queries, std::int64_t rows, const CachedHead& head,
                       std::int64_t from, std::int64_t to, float scale, std::uint16_t* scores,
                       std::uint16_t* answers, RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
