#pragma once

// How fast the cores read memory, for `bench speed`'s read bandwidth: a decode step only reads
// (its weights and the KV cache), and a copy's two directions can move more or fewer bytes per
// second than reads alone (on the AMD EPYC of docs/PERFORMANCE.md, reads 55-70 GB/s against
// copies 55-68), so decode is given against both. No LibTorch.

#include <cstdint>

namespace mspa::inference {

// The float32 sum of `count` values read with the widest loads the CPU has (AVX-512 where
// present), several independent sums so that no add waits for the one before: the reads, not the
// arithmetic, set its pace.
float sumByWidestLoads(const float* values, std::int64_t count);

}  // namespace mspa::inference
