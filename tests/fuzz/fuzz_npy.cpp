// NumPy .npy arrays: header dict, dtype, shape, data size.
#include <stdexcept>

#include "core/npz.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const mspa::NpyArray a = mspa::parseNpy(data, size, "fuzz.npy");
    if (a.count() > 0 && a.itemSize() > 0) (void)a.bytes(a.count() - 1);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
