#pragma once

// Which implementation a row kernel (softmax_rows, norm_rows) runs. Fastest: AVX-512 where the
// CPU has it. Portable: plain C++ everywhere (tests compare the two).

namespace mspa::inference {

enum class RowKernel { Fastest, Portable };

}  // namespace mspa::inference
