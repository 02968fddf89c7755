// Scene manifests (docs/FORMATS.md): the JSON's values mutated, or raw bytes (first byte odd).
#include <stdexcept>

#include "core/scene_loaders.h"
#include "tests/fuzz/json_mutator.h"

namespace {

const char* kSeed = R"({"name": "fuzz", "frames": [
  {"image": "a.jpg", "depth": "a.png", "depth_scale": 1000, "camera_to_world": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]],
   "intrinsics": {"fx": 500, "fy": 500, "cx": 320, "cy": 240, "width": 640, "height": 480}, "timestamp": 0.5},
  {"image": "b.jpg", "camera_to_world": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}],
  "point_cloud": "cloud.ply", "tracks": [{"label": "p", "positions": [[0,0,1],[0,0,1]], "visible": [true, false]}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::Bytes in(data, size);
  std::string manifest;
  if (in.byte() % 2) {
    manifest = std::string(in.rest());
  } else {
    manifest = mspa::fuzz::dumpFuzzed(mspa::fuzz::mutateValues(nlohmann::json::parse(kSeed), in));
  }
  const std::string path = mspa::fuzz::writeScratch("manifest/scene.json", manifest);
  try {
    (void)mspa::loaders::loadManifest(path, {});
  } catch (const std::runtime_error&) {
  }
  return 0;
}
