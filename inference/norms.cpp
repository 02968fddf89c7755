#include "inference/norms.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include "inference/norm_rows.h"
#include "inference/tensor_bits.h"

namespace mspa::inference {
namespace {

// On the CPU a bfloat16 norm goes row by row through norm_rows (read once, written once) where
// LibTorch 1.13 chains conversions and element-wise kernels over the whole tensor.
bool normsByRow(const at::Tensor& x, const at::Tensor& w) {
  return x.is_cpu() && x.scalar_type() == at::kBFloat16 && w.scalar_type() == at::kBFloat16 &&
         x.is_contiguous() && w.is_contiguous();
}

template <typename RowNorm>
at::Tensor normRows(const at::Tensor& x, RowNorm normRow) {
  const int64_t width = x.size(-1);
  at::Tensor out = at::empty_like(x);
  const std::uint16_t* in = bitsOf(x);
  std::uint16_t* to = bitsOf(out);
  at::parallel_for(0, x.numel() / width, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) normRow(in + r * width, to + r * width, width);
  });
  return out;
}

}  // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  // One kernel instead of eight where LibTorch has it (on CUDA), accumulating in float32 too.
  if (x.is_cuda()) return at::rms_norm(x, {x.size(-1)}, w, eps);
#endif
  if (normsByRow(x, w)) {
    return normRows(x, [&](const std::uint16_t* in, std::uint16_t* out, int64_t width) {
      rmsNormRow(in, out, width, bitsOf(w), static_cast<float>(eps));
    });
  }
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, true) + eps);
  return w * normed.to(x.scalar_type());
}

// LibTorch 1.13's CPU layer norm is twice as slow on bfloat16 as converting to float32 and back;
// CUDA's accumulates in float32 by itself.
at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  if (x.scalar_type() == at::kFloat || x.is_cuda())
    return at::layer_norm(x, {x.size(-1)}, w, b, eps);
  if (normsByRow(x, w) && normsByRow(x, b)) {
    return normRows(x, [&](const std::uint16_t* in, std::uint16_t* out, int64_t width) {
      layerNormRow(in, out, width, bitsOf(w), bitsOf(b), static_cast<float>(eps));
    });
  }
  return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, w.to(at::kFloat), b.to(at::kFloat), eps)
      .to(x.scalar_type());
}

}  // namespace mspa::inference
