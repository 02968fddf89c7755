#pragma once

// Rotary position embedding on raw bfloat16 rows, no LibTorch: one pass over a row of q or k
// where LibTorch 1.13 runs a concatenation, two products and a sum over whole tensors. Rounds
// where transformers' `q * cos + rotate_half(q) * sin` in bfloat16 does (after each product and
// after the sum), so that it equals LibTorch's three operations bit for bit.

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// out[i] = x[i]·cos[i] + x[(i + dim/2) mod dim]·sin[i] for i < dim (even), with rotate_half's
// minus sign carried by sin's first half (RotaryTable's layout).
void rotateRow(const std::uint16_t* x, const std::uint16_t* cos, const std::uint16_t* sin,
               std::uint16_t* out, std::int64_t dim, RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
