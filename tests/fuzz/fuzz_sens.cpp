// ScanNet .sens streams: header, frame index, and each frame's colour and depth blobs.
#include <stdexcept>

#include "core/scene.h"
#include "core/sens_stream.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = mspa::fuzz::writeScratch(
      "scene.sens", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    const mspa::SensStream stream(path);
    for (std::size_t i = 0; i < std::min<std::size_t>(stream.frames().size(), 3); ++i) {
      try {  // one corrupt frame is that frame's problem
        (void)stream.depth(i);
        (void)stream.color(i);
      } catch (const std::runtime_error&) {
      }
    }
    (void)mspa::loadScene(path);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
