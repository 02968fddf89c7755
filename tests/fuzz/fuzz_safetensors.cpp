// safetensors headers: length, JSON, dtypes, shapes, offsets; every tensor's bytes touched.
#include <stdexcept>

#include "inference/safetensors.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      mspa::fuzz::writeScratch("model.safetensors", {reinterpret_cast<const char*>(data), size});
  try {
    const mspa::inference::SafetensorsFile file(path);
    unsigned sum = 0;
    for (const auto& t : file.tensors()) {
      if (t.end > t.begin) sum += file.data(t)[0] + file.data(t)[t.end - t.begin - 1];
    }
    (void)sum;
  } catch (const std::runtime_error&) {
  }
  return 0;
}
