#pragma once

// Which implementation a CPU kernel (softmax_rows, norm_rows, attention) runs. Fastest: AVX-512
// and AMX where the CPU has them. Portable: plain C++ and LibTorch's products everywhere (tests
// compare the two).

namespace mspa::inference {

enum class RowKernel { Fastest, Portable };

}  // namespace mspa::inference
