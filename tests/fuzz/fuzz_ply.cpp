// PLY files, ASCII and binary, as `mspa info` and every scene loader reads them.
#include <stdexcept>

#include "core/ply_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      mspa::fuzz::writeScratch("cloud.ply", {reinterpret_cast<const char*>(data), size});
  try {
    (void)mspa::readPly(path);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
