// A ScanNet posed-images folder whose intrinsic.txt, pose file and image header are the
// fuzzer's bytes (split at the first two NUL bytes).
#include <stdexcept>

#include "core/scene_loaders.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto first = all.find('\0');
  const auto second = first == std::string_view::npos ? first : all.find('\0', first + 1);
  const auto part = [&](std::size_t from, std::size_t to) {
    return from >= all.size() ? std::string_view()
                              : all.substr(from, to == std::string_view::npos ? to : to - from);
  };
  mspa::fuzz::writeScratch("scannet/intrinsic.txt", part(0, first));
  mspa::fuzz::writeScratch("scannet/00000.txt", first == std::string_view::npos
                                                    ? std::string_view()
                                                    : part(first + 1, second));
  mspa::fuzz::writeScratch("scannet/00000.jpg", second == std::string_view::npos
                                                    ? std::string_view()
                                                    : part(second + 1, std::string_view::npos));
  try {
    std::vector<std::string> warnings;
    (void)mspa::loaders::readPoseFile((mspa::fuzz::scratch() / "scannet/00000.txt").string(),
                                      warnings);
    (void)mspa::loaders::loadScanNetFolder((mspa::fuzz::scratch() / "scannet").string(), {});
  } catch (const std::runtime_error&) {
  }
  return 0;
}
