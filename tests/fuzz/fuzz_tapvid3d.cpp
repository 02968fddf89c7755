// TAPVid-3D scenes: a valid zip whose members (.npy under the names the loader reads) are the
// fuzzer's bytes, or (first byte odd) the whole .npz as raw bytes.
#include <zip.h>

#include <array>
#include <stdexcept>

#include "core/scene_loaders.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void writeZip(const std::string& path, mspa::fuzz::Bytes& in) {
  static const std::array<const char*, 6> names = {"images_jpeg_bytes.npy", "tracks_XYZ.npy",
                                                   "visibility.npy",        "fx_fy_cx_cy.npy",
                                                   "extrinsics_w2c.npy",    "queries_xyt.npy"};
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) return;
  std::vector<std::string> members;
  members.reserve(names.size());
  for (const char* name : names) {
    members.emplace_back(in.text(in.integer(2)));
    zip_source_t* source =
        zip_source_buffer(archive, members.back().data(), members.back().size(), 0);
    if (source && zip_file_add(archive, name, source, ZIP_FL_OVERWRITE) < 0)
      zip_source_free(source);
  }
  zip_close(archive);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::Bytes in(data, size);
  const std::string path = (mspa::fuzz::scratch() / "scene.npz").string();
  if (in.byte() % 2) {
    mspa::fuzz::writeScratch("scene.npz", in.rest());
  } else {
    writeZip(path, in);
  }
  try {
    const mspa::Scene scene = mspa::loaders::loadTapVid3d(path);
    (void)scene.frames.size();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
