#pragma once

// How fast the cores read memory, for `bench speed`'s read bandwidth: a decode step only reads
// (its weights and the KV cache), and on some CPUs a copy's two directions together move far
// more bytes than one stream of reads can (an AMD EPYC of docs/PERFORMANCE.md: copies 28-69
// GB/s, reads 27-44), so the copy alone overstates what decode can reach there. No LibTorch.

#include <cstdint>

namespace mspa::inference {

// The float32 sum of `count` values read with the widest loads the CPU has (AVX-512 where
// present), several independent sums so that no add waits for the one before: the reads, not the
// arithmetic, set its pace.
float sumByWidestLoads(const float* values, std::int64_t count);

}  // namespace mspa::inference
