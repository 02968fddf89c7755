#pragma once

// Torch-facing: the MLP activations of the engine's vision encoder, projector and decoder, on a
// product's fresh output and in place (an activation writing a new tensor runs 1.4x slower here:
// its pages are cold). Included only by the engine's torch translation units.

#include <ATen/ATen.h>

namespace mspa::inference {

// The exact (erf) GELU of x, written over x. On the CPU, contiguous bfloat16 goes through
// activation_rows.
at::Tensor geluOverwriting(at::Tensor x);

// silu(gate) · up, written over gate (same shape as up): transformers' gated MLP unit, rounding
// the activation to gate's dtype before the product. On the CPU, contiguous bfloat16 goes through
// activation_rows.
at::Tensor siluTimesOverwriting(at::Tensor gate, const at::Tensor& up);

}  // namespace mspa::inference
