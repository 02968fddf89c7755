#include "inference/products.h"

#include <ATen/Parallel.h>

#include <vector>

#include "inference/streamed_products.h"
#include "inference/tensor_bits.h"

namespace mspa::inference {
namespace {

// oneDNN's products on the CPU run faster on blocks of 512 rows than on the 2,050 rows of two
// vision tiles at once (fc1's shape, medians of 60 alternating runs: 723 against 581 GFLOP/s; the
// whole vision encoder 1.12-1.14x); prompt chunks are 512 rows already.
constexpr int64_t kRowsPerProduct = 512;

// Calls work(first, count) for consecutive blocks of rows; a remainder of a few rows joins the
// block before it rather than running on its own.
template <typename Work>
void forEachRowBlock(int64_t rows, Work&& work) {
  for (int64_t first = 0, n = 0; first < rows; first += n) {
    n = rows - first < kRowsPerProduct * 5 / 4 ? rows - first : kRowsPerProduct;
    work(first, n);
  }
}

std::vector<int64_t> withLastSize(const at::Tensor& x, int64_t last) {
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = last;
  return shape;
}

// A decode step's rows (a batch of up to this many sequences) multiply bfloat16 weights through
// streamedProduct where the CPU has AVX-512 BF16: the weights stream past once at the rate the
// cores read memory. InternVL2-2B's decode step took 145 ms against LibTorch's 300 ms on an AMD
// EPYC (docs/PERFORMANCE.md).
constexpr int64_t kStreamedRows = 4;

bool streamsWeights(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const auto bfloat16 = [](const at::Tensor& t) {
    return t.scalar_type() == at::kBFloat16 && t.is_contiguous();
  };
  return x.is_cpu() && x.scalar_type() == at::kBFloat16 && rowsOf(x) <= kStreamedRows &&
         bfloat16(w) && (!b.defined() || bfloat16(b)) && streamedProductsAreFast();
}

// x's rows times the weights (+ b), the outputs split between LibTorch's threads: [rows, outputs].
at::Tensor streamedRows(const at::Tensor& x, const StreamedWeights& w, const at::Tensor& b) {
  const at::Tensor in = x.contiguous();
  const int64_t rows = rowsOf(in);
  at::Tensor out = at::empty({rows, w.outputs}, in.options());
  at::parallel_for(0, w.outputs, 64, [&](int64_t begin, int64_t end) {
    streamedProduct(bitsOf(in), rows, w, b.defined() ? bitsOf(b) : nullptr, bitsOf(out), begin,
                    end - begin);
  });
  return out;
}

}  // namespace

int64_t rowsOf(const at::Tensor& x) {
  return x.numel() / x.size(-1);
}

at::Tensor linearForCpu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const int64_t rows = rowsOf(x);
  if (streamsWeights(x, w, b))
    return streamedRows(x, {bitsOf(w), w.size(0), 1, w.size(1)}, b)
        .view(withLastSize(x, w.size(0)));
  if (x.is_cpu() && rows == 1) {
    // LibTorch's one-row linear goes through oneDNN's matmul; its matrix-vector product read the
    // weights 1.2-1.3x faster on a Xeon (a decode step's projections, alternating in one process;
    // 0.7x on an AMD EPYC, which streams them instead).
    const at::Tensor v = x.reshape({-1});
    return (b.defined() ? at::addmv(b, w, v) : at::mv(w, v)).view(withLastSize(x, w.size(0)));
  }
  if (!x.is_cpu() || rows <= kRowsPerProduct || !x.is_contiguous())
    return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
  const at::Tensor flat = x.view({rows, x.size(-1)});
  const at::Tensor wt = w.t();
  at::Tensor out = at::empty({rows, w.size(0)}, x.options());
  forEachRowBlock(rows, [&](int64_t first, int64_t n) {
    at::Tensor block = out.narrow(0, first, n);
    if (b.defined())
      at::addmm_out(block, b, flat.narrow(0, first, n), wt);
    else
      at::mm_out(block, flat.narrow(0, first, n), wt);
  });
  return out.view(withLastSize(x, w.size(0)));
}

int64_t hiddenBlockWidth(int64_t hidden) {
  for (int64_t width = 1024; width >= 256; width -= 32) {
    if (hidden % width == 0) return width;
  }
  return hidden;
}

at::Tensor columnBlocks(const at::Tensor& w2, int64_t width, at::Tensor into) {
  const int64_t out = w2.size(0), blocks = w2.size(1) / width;
  const at::Tensor columns = w2.view({out, blocks, width}).permute({1, 0, 2});
  if (!into.defined()) return columns.contiguous().view({blocks * out, width});
  return into.view({blocks, out, width}).copy_(columns).view({blocks * out, width});
}

at::Tensor productWithColumnBlocks(const at::Tensor& h, const at::Tensor& w2Blocks,
                                   const at::Tensor& b2) {
  const int64_t rows = rowsOf(h), width = w2Blocks.size(1), blocks = h.size(-1) / width,
                outWidth = w2Blocks.size(0) / blocks;
  const at::Tensor stored = h.to(w2Blocks.scalar_type());
  if (streamsWeights(stored, w2Blocks, b2)) {
    return streamedRows(stored, {bitsOf(w2Blocks), outWidth, blocks, width}, b2)
        .to(h.scalar_type())
        .view(withLastSize(h, outWidth));
  }
  const at::Tensor parts = stored.reshape({rows, blocks, width}).transpose(0, 1);
  at::Tensor out = at::bmm(parts, w2Blocks.view({blocks, outWidth, width}).transpose(1, 2)).sum(0);
  if (b2.defined()) out.add_(b2.to(out.scalar_type()));
  return out.to(h.scalar_type()).view(withLastSize(h, outWidth));
}

at::Tensor mlpInHiddenBlocks(const at::Tensor& x, const HiddenBlock& hidden, int64_t hiddenWidth,
                             const at::Tensor& w2Blocks, const at::Tensor& b2) {
  const int64_t rows = rowsOf(x), width = w2Blocks.size(1), blocks = hiddenWidth / width,
                outWidth = w2Blocks.size(0) / blocks;
  const at::Tensor flat = x.contiguous().view({rows, x.size(-1)});
  at::Tensor out = at::empty({rows, outWidth}, x.options());
  forEachRowBlock(rows, [&](int64_t first, int64_t n) {
    const at::Tensor in = flat.narrow(0, first, n);
    at::Tensor sum = out.narrow(0, first, n);
    for (int64_t k = 0; k < blocks; ++k) {
      // Weights stored in another dtype than the activations join them block by block.
      const at::Tensor w2 = w2Blocks.narrow(0, k * outWidth, outWidth).to(x.scalar_type()).t();
      const at::Tensor h = hidden(in, k * width, width);
      if (k > 0)
        sum.addmm_(h, w2);
      else if (b2.defined())
        at::addmm_out(sum, b2, h, w2);
      else
        at::mm_out(sum, h, w2);
    }
  });
  return out.view(withLastSize(x, outWidth));
}

}  // namespace mspa::inference
