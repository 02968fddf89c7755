#include <catch2/catch.hpp>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/npz.h"
#include "core/scene.h"
#include "tests/core/scene_test_helpers.h"

using namespace mspa;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

bool hasWarning(const Scene& scene, const std::string& file, const std::string& problem) {
  for (const auto& w : scene.warnings) {
    if (w.find(file) != std::string::npos && w.find(problem) != std::string::npos) return true;
  }
  return false;
}

NpyArray floats(std::vector<std::size_t> shape, float value) {
  NpyArray a{"f4", shape, {}};
  std::vector<float> values(a.count(), value);
  a.data.assign(reinterpret_cast<std::uint8_t*>(values.data()),
                reinterpret_cast<std::uint8_t*>(values.data() + values.size()));
  return a;
}

NpyArray jpegs(const std::vector<std::vector<std::uint8_t>>& images) {
  std::size_t longest = 0;
  for (const auto& i : images) longest = std::max(longest, i.size());
  NpyArray a{"S" + std::to_string(longest),
             {images.size()},
             std::vector<std::uint8_t>(longest * images.size(), 0)};
  for (std::size_t i = 0; i < images.size(); ++i)
    std::copy(images[i].begin(), images[i].end(), a.data.begin() + i * longest);
  return a;
}

std::vector<std::uint8_t> jpegBytes(const test::TempDir& dir) {
  writeJpeg(dir.file("tmp.jpg"), test::gradientImage(40, 30));
  std::ifstream in(dir.file("tmp.jpg"), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, NpyArray> tapvid(const test::TempDir& dir, int frames, int points) {
  std::map<std::string, NpyArray> arrays;
  arrays["images_jpeg_bytes"] =
      jpegs(std::vector<std::vector<std::uint8_t>>(frames, jpegBytes(dir)));
  arrays["tracks_XYZ"] = floats({std::size_t(frames), std::size_t(points), 3}, 1.0f);
  arrays["visibility"] = NpyArray{"b1",
                                  {std::size_t(frames), std::size_t(points)},
                                  std::vector<std::uint8_t>(frames * points, 1)};
  arrays["fx_fy_cx_cy"] = floats({4}, 30.0f);
  arrays["queries_xyt"] = floats({std::size_t(points), 3}, 0.0f);
  return arrays;
}

}  // namespace

TEST_CASE(
    "ScanNet: bad poses, missing depth and odd image sizes become warnings and the rest loads") {
  test::TempDir dir;
  const fs::path folder = dir.path() / "scene";
  test::writeScanNetFolder(folder, 6);
  test::writeText(
      (folder / "00005.txt").string(),
      "-inf -inf -inf -inf\n-inf -inf -inf -inf\n-inf -inf -inf -inf\n-inf -inf -inf -inf\n");
  test::writeText((folder / "00010.txt").string(), "1 0 0 0\n0 0 0 0\n0 0 1 0\n0 0 0 1\n");
  test::writeText((folder / "00015.txt").string(), "1 0 0\n");
  fs::remove(folder / "00020.txt");
  fs::remove(folder / "00025.png");
  writeJpeg((folder / "00000.jpg").string(), test::gradientImage(32, 24));
  const Scene scene = loadScene(folder.string());
  REQUIRE(scene.frames.size() == 6);
  CHECK(hasWarning(scene, "00005.txt", "non-finite"));
  CHECK(hasWarning(scene, "00010.txt", "not a rigid transform"));
  CHECK(hasWarning(scene, "00015.txt", "fewer than 16"));
  CHECK(hasWarning(scene, "00020.txt", "missing pose"));
  CHECK(hasWarning(scene, "00025.png", "missing; frame has no depth"));
  CHECK(hasWarning(scene, "00000.jpg", "image is 32x24 but the intrinsics are for 64x48"));
  for (int i = 1; i <= 4; ++i) CHECK_FALSE(scene.frames[i].cameraToWorld);
  CHECK(scene.frames[5].cameraToWorld);
  CHECK_FALSE(scene.frames[5].hasDepth());
  CHECK(scene.frames[0].intrinsics->width == 32);
  CHECK(scene.frames[0].intrinsics->fx == Approx(25));
}

TEST_CASE("Scenes that cannot load at all say which file and why") {
  test::TempDir dir;
  CHECK_THROWS_WITH(loadScene(dir.file("nothing")), Contains("no such file"));
  test::writeFile(dir.file("x.obj"), "v 0 0 0");
  CHECK_THROWS_WITH(loadScene(dir.file("x.obj")), Contains("unsupported scene type"));
  fs::create_directories(dir.path() / "empty");
  CHECK_THROWS_WITH(loadScene((dir.path() / "empty").string()), Contains("no images"));
  test::writeFile(dir.file("bad.json"), "{\"frames\": [");
  CHECK_THROWS_WITH(loadScene(dir.file("bad.json")), Contains("invalid JSON"));
  writeJsonFile(dir.file("other.json"), {{"hello", 1}});
  CHECK_THROWS_WITH(loadScene(dir.file("other.json")), Contains("needs a \"frames\" array"));
  writeJsonFile(dir.file("noimage.json"), {{"frames", {{{"depth", "d.png"}}}}});
  CHECK_THROWS_WITH(loadScene(dir.file("noimage.json")), Contains("malformed manifest"));
  test::writeFile(dir.file("clip.mp4"), "not a video");
  CHECK_THROWS_WITH(loadScene(dir.file("clip.mp4")), Contains("cannot open the video"));
}

TEST_CASE("A missing or corrupt image is reported when the frame is opened") {
  test::TempDir dir;
  const fs::path folder = dir.path() / "scene";
  test::writeScanNetFolder(folder, 3);
  test::writeFile((folder / "00005.jpg").string(), "garbage");
  const Scene scene = loadScene(folder.string());
  CHECK(hasWarning(scene, "00005.jpg", "not a readable image"));
  CHECK_THROWS_WITH(loadColor(scene, scene.frames[1]), Contains("00005.jpg"));
  fs::remove(folder / "00010.jpg");
  CHECK_THROWS_WITH(loadColor(scene, scene.frames[2]), Contains("missing or unreadable"));
  test::writeFile((folder / "00000.png").string(), "not a png");
  CHECK_THROWS_WITH(loadDepth(scene.frames[0]), Contains("00000.png"));
}

TEST_CASE("npz arrays round trip, including bytes arrays") {
  test::TempDir dir;
  std::map<std::string, NpyArray> arrays;
  arrays["a"] = floats({2, 3}, 0.5f);
  arrays["s"] = jpegs({{1, 2, 3}, {4, 5}});
  writeNpz(dir.file("t.npz"), arrays);
  const auto read = readNpz(dir.file("t.npz"));
  REQUIRE(read.size() == 2);
  CHECK(read.at("a").shape == std::vector<std::size_t>{2, 3});
  CHECK(read.at("a").number(5) == 0.5);
  CHECK(read.at("s").bytes(1) == std::vector<std::uint8_t>{4, 5});
}

TEST_CASE("TAPVid-3D npz: frames, intrinsics, tracks in world coordinates") {
  test::TempDir dir;
  auto arrays = tapvid(dir, 4, 2);
  // Camera moved 1 m along world x at frame 3 (world-to-camera translation -1).
  NpyArray w2c = floats({4, 4, 4}, 0.0f);
  for (int t = 0; t < 4; ++t) {
    std::vector<float> m = {1, 0, 0, t == 3 ? -1.0f : 0.0f, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    std::memcpy(w2c.data.data() + t * 64, m.data(), 64);
  }
  arrays["extrinsics_w2c"] = w2c;
  writeNpz(dir.file("clip.npz"), arrays);
  const Scene scene = loadScene(dir.file("clip.npz"));
  CHECK(scene.kind == "tapvid3d");
  REQUIRE(scene.frames.size() == 4);
  CHECK(scene.frames[0].intrinsics->width == 40);
  CHECK(scene.frames[0].intrinsics->fx == 30);
  REQUIRE(scene.tracks.size() == 2);
  CHECK(scene.tracks[0].positions[0].isApprox(Eigen::Vector3d(1, 1, 1)));
  CHECK(scene.tracks[0].positions[3].isApprox(Eigen::Vector3d(2, 1, 1)));
  CHECK(loadColor(scene, scene.frames[2]).height == 30);
  CHECK(scene.warnings.empty());
}

TEST_CASE("TAPVid-3D npz: missing keys, wrong shapes and undecodable JPEG bytes") {
  test::TempDir dir;
  for (const char* key : {"images_jpeg_bytes", "tracks_XYZ", "visibility", "fx_fy_cx_cy"}) {
    auto arrays = tapvid(dir, 2, 3);
    arrays.erase(key);
    writeNpz(dir.file("m.npz"), arrays);
    CHECK_THROWS_WITH(loadScene(dir.file("m.npz")), Contains(std::string("no '") + key + "'"));
  }
  auto arrays = tapvid(dir, 2, 3);
  arrays["visibility"] = NpyArray{"b1", {2, 4}, std::vector<std::uint8_t>(8, 1)};
  writeNpz(dir.file("shape.npz"), arrays);
  CHECK_THROWS_WITH(loadScene(dir.file("shape.npz")), Contains("visibility has shape"));

  arrays = tapvid(dir, 2, 3);
  arrays["images_jpeg_bytes"] = jpegs({{0xFF, 0xD8, 1, 2, 3}, jpegBytes(dir)});
  writeNpz(dir.file("jpeg.npz"), arrays);
  const Scene scene = loadScene(dir.file("jpeg.npz"));
  CHECK(hasWarning(scene, "jpeg.npz frame 0", "cannot be decoded"));
  CHECK(hasWarning(scene, "jpeg.npz", "no extrinsics_w2c"));
  CHECK(scene.frames[1].intrinsics->width == 40);  // size from the first decodable frame
  CHECK_THROWS_WITH(loadColor(scene, scene.frames[0]), Contains("cannot be decoded"));

  test::writeFile(dir.file("notzip.npz"), "PK but not really");
  CHECK_THROWS_WITH(loadScene(dir.file("notzip.npz")), Contains("not a readable .npz"));
}

namespace {

// An .npy whose header says `descr` and `shape` over `payload` bytes.
std::vector<std::uint8_t> rawNpy(const std::string& descr, const std::string& shape,
                                 std::size_t payload) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header += '\n';
  std::vector<std::uint8_t> out = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size()), 0};
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + payload, 0);
  return out;
}

}  // namespace

TEST_CASE(
    "npy headers that declare more than their bytes are refused before anything is allocated") {
  const auto refuse = [](const std::string& descr, const std::string& shape, std::size_t payload,
                         const std::string& problem) {
    const auto bytes = rawNpy(descr, shape, payload);
    INFO(descr << " " << shape);
    CHECK_THROWS_WITH(parseNpy(bytes.data(), bytes.size(), "x.npy"),
                      Contains("x.npy") && Contains(problem));
  };
  // The element count wraps to 0 under 64-bit multiplication: 2^32 * 2^32 * 4 bytes.
  refuse("<f4", "(4294967296, 4294967296)", 16, "larger than the file");
  refuse("<f4", "(10, 10, 10)", 16, "truncated");
  refuse("|S0", "(4000000000,)", 0,
         "not supported");  // zero-size items would let any count through
  refuse("<f", "(2,)", 8, "not supported");
  refuse("<c16", "(1,)", 16, "not supported");
  refuse("<f4", "(0, 1000000000000, 3)", 0, "larger than the file");
  const auto ok = rawNpy("<f4", "(2, 2)", 16);
  CHECK(parseNpy(ok.data(), ok.size(), "x.npy").count() == 4);
}

TEST_CASE(
    "TAPVid-3D: arrays of the wrong dtype and a manifest with a point cloud that is not a file "
    "name") {
  test::TempDir dir;
  const auto images = jpegs({jpegBytes(dir)});
  NpyArray strings{"S12", {1, 1, 3}, std::vector<std::uint8_t>(36, 'x')};
  writeNpz(dir.file("bad.npz"), {{"images_jpeg_bytes", images},
                                 {"tracks_XYZ", strings},
                                 {"visibility", floats({1, 1}, 1)},
                                 {"fx_fy_cx_cy", floats({4}, 100)}});
  CHECK_THROWS_WITH(loadScene(dir.file("bad.npz")),
                    Contains("tracks_XYZ has dtype S12, not numbers"));
  test::writeFile(dir.file("m.json"), R"({"frames": [{"image": "a.jpg"}], "point_cloud": 3})");
  CHECK_THROWS_WITH(loadScene(dir.file("m.json")),
                    Contains("m.json") && Contains("\"point_cloud\" must be a file name"));
  test::writeFile(
      dir.file("m.json"),
      R"({"frames": [{"image": "a.jpg", "intrinsics": {"fx": 1, "fy": 1, "cx": 0, "cy": 0, "width": 1e300}}]})");
  CHECK_THROWS_WITH(loadScene(dir.file("m.json")), Contains("\"width\" must be an integer"));
  test::writeFile(
      dir.file("m.json"),
      R"({"frames": [], "instances": [{"box_min": [0, 0, 1e300], "box_max": [1, 1, 1]}]})");
  CHECK_THROWS_WITH(loadScene(dir.file("m.json")), Contains("malformed manifest"));
}
