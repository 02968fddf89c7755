#include "inference/activations.h"

#include <ATen/Parallel.h>

#include "inference/activation_rows.h"
#include "inference/tensor_bits.h"

namespace mspa::inference {
namespace {

bool byRows(const at::Tensor& x) {
  return x.is_cpu() && x.scalar_type() == at::kBFloat16 && x.is_contiguous();
}

// work(first, count) over [0, count) in parallel pieces of at least 16K elements.
template <typename Work>
void inPieces(int64_t count, const Work& work) {
  at::parallel_for(0, count, 1 << 14,
                   [&](int64_t begin, int64_t end) { work(begin, end - begin); });
}

}  // namespace

at::Tensor geluOverwriting(at::Tensor x) {
  if (!byRows(x)) return at::gelu_(x);
  std::uint16_t* values = bitsOf(x);
  inPieces(x.numel(), [&](int64_t first, int64_t count) { geluInPlace(values + first, count); });
  return x;
}

at::Tensor siluTimesOverwriting(at::Tensor gate, const at::Tensor& up) {
  if (!byRows(gate) || !byRows(up) || !gate.sizes().equals(up.sizes())) {
    at::silu_(gate);
    return gate.mul_(up);
  }
  std::uint16_t* gates = bitsOf(gate);
  const std::uint16_t* ups = bitsOf(up);
  inPieces(gate.numel(), [&](int64_t first, int64_t count) {
    siluTimesInPlace(gates + first, ups + first, count);
  });
  return gate;
}

}  // namespace mspa::inference
