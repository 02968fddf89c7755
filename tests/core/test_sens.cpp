// ScanNet .sens streams, read as ScanNet's SensReader (c++/src/sensorData.h, python/SensorData.py)
// reads them: the layout is written here field by field from that format, independently of the
// reader's parsing.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "core/geometry.h"
#include "core/input_error.h"
#include "core/scene.h"
#include "core/scene_export.h"
#include "core/sens_stream.h"
#include "tests/core/scene_test_helpers.h"

using namespace mspa;
using Catch::Matchers::Contains;

namespace {

constexpr int kColorW = 64, kColorH = 48, kDepthW = 32, kDepthH = 24;

Eigen::Matrix4f camera(float f, float cx, float cy) {
  Eigen::Matrix4f k = Eigen::Matrix4f::Identity();
  k(0, 0) = k(1, 1) = f;
  k(0, 2) = cx;
  k(1, 2) = cy;
  return k;
}

std::vector<std::uint16_t> depthUnits(int frame) {
  std::vector<std::uint16_t> units(kDepthW * kDepthH);
  for (std::size_t i = 0; i < units.size(); ++i)
    units[i] = static_cast<std::uint16_t>(1500 + 100 * frame + i % kDepthW * 10);
  return units;
}

// Three frames, the second with the -inf pose ScanNet writes where tracking was lost; the depth
// camera has intrinsics of its own (not the colour's scaled).
struct SensFixture {
  test::TempDir dir;
  std::string path = dir.file("scene0007_00.sens");
  SensStream::Header header;
  std::vector<SensFrameToWrite> frames;

  SensFixture() {
    header.sensorName = "StructureSensor";
    header.colorIntrinsic = camera(50, 31.5f, 23.5f);
    header.colorExtrinsic = Eigen::Matrix4f::Identity();
    header.depthIntrinsic = camera(27, 16.2f, 11.4f);
    header.depthExtrinsic = Eigen::Matrix4f::Identity();
    header.colorWidth = kColorW;
    header.colorHeight = kColorH;
    header.depthWidth = kDepthW;
    header.depthHeight = kDepthH;
    for (int f = 0; f < 3; ++f) {
      SensFrameToWrite frame;
      frame.cameraToWorld = lookAt({0.1 * f, 0, 1}, {0.1 * f, 3, 1}).matrix().cast<float>();
      if (f == 1) frame.cameraToWorld.setConstant(-INFINITY);
      frame.timestamp = 1'000'000 + 33'333 * f;
      frame.colorJpeg = encodeJpeg(test::gradientImage(kColorW, kColorH), 90);
      frame.depthUnits = depthUnits(f);
      frames.push_back(frame);
    }
    write();
  }
  void write(std::uint64_t announced = 3) const {
    SensWriter writer(path, header, announced);
    for (const auto& f : frames) writer.add(f);
    writer.finish();
  }
  std::string bytes() const {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void rewrite(const std::string& bytes) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  // Where the fields after the sensor name start (SensorData.py's read order).
  std::size_t afterName() const { return 4 + 8 + header.sensorName.size(); }
};

}  // namespace

TEST_CASE("A .sens stream reads back header, poses, timestamps, depth and colour exactly") {
  SensFixture f;
  const SensStream stream(f.path);
  CHECK(stream.header().sensorName == "StructureSensor");
  CHECK(stream.header().colorIntrinsic == f.header.colorIntrinsic);
  CHECK(stream.header().depthIntrinsic == f.header.depthIntrinsic);
  CHECK(stream.header().depthShift == 1000);
  CHECK(stream.truncation().empty());
  REQUIRE(stream.frames().size() == 3);
  for (int i = 0; i < 3; ++i) {
    INFO("frame " << i);
    const auto& r = stream.frames()[i];
    if (i != 1) CHECK(r.cameraToWorld == f.frames[i].cameraToWorld);
    CHECK(r.colorTimestamp == f.frames[i].timestamp);
    CHECK(std::equal(f.frames[i].colorJpeg.begin(), f.frames[i].colorJpeg.end(),
                     stream.colorData(i)));
    CHECK(stream.depthUnits(i) == f.frames[i].depthUnits);
    const DepthImage depth = stream.depth(i);
    CHECK(depth.width == kDepthW);
    CHECK(depth.at(3, 2) == Approx(f.frames[i].depthUnits[2 * kDepthW + 3] / 1000.0));
    const RgbImage color = stream.color(i);
    const RgbImage expected =
        decodeRgbImage(f.frames[i].colorJpeg.data(), f.frames[i].colorJpeg.size(), "jpeg");
    CHECK(color.pixels == expected.pixels);
  }
  CHECK(std::isinf(stream.frames()[1].cameraToWorld(0, 0)));
}

TEST_CASE("A .sens opens as a scene: frames, both cameras, invalid poses as frame problems") {
  SensFixture f;
  const Scene scene = loadScene(f.path);
  CHECK(scene.kind == "scannet-sens");
  CHECK(scene.name == "scene0007_00");
  REQUIRE(scene.frames.size() == 3);
  CHECK(scene.frames[2].name == "00002");
  CHECK(scene.frames[0].timestamp == Approx(1.0));
  const Frame& frame = scene.frames[0];
  REQUIRE(frame.intrinsics);
  CHECK(frame.intrinsics->width == kColorW);
  CHECK(frame.intrinsics->fx == 50);
  REQUIRE(frame.depthIntrinsics);
  CHECK(frame.depthIntrinsics->width == kDepthW);
  CHECK(frame.depthIntrinsics->cx == Approx(16.2));
  CHECK(frame.cameraToWorld);
  CHECK_FALSE(scene.frames[1].cameraToWorld);
  REQUIRE(scene.warnings.size() == 1);
  CHECK_THAT(scene.warnings[0], Contains("frame 1") && Contains("non-finite"));

  // A colour pixel's depth is read where the depth camera sees its ray.
  const DepthImage depth = loadDepth(frame);
  REQUIRE(depth.intrinsics);
  const Eigen::Vector2d colourPixel(40, 30);
  const Eigen::Vector2d seen =
      project(*frame.depthIntrinsics, unproject(*frame.intrinsics, colourPixel, 1));
  CHECK(depthAt(depth, *frame.intrinsics, colourPixel) == Approx(depth.nearest(seen)));
  CHECK(loadColor(scene, frame).width == kColorW);
}

TEST_CASE("Exported posed images keep every frame's bytes, poses and both cameras") {
  SensFixture f;
  const Scene sens = loadScene(f.path);
  const PosedImagesReport report = exportPosedImages(sens, f.dir.file("posed_images"));
  CHECK(report.frames == 3);
  CHECK(report.withoutPose == 1);
  CHECK(report.problems.empty());
  const Scene posed = loadScene(report.folder);
  CHECK(posed.kind == "scannet");
  REQUIRE(posed.frames.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("frame " << i);
    CHECK(loadColor(posed, posed.frames[i]).pixels == loadColor(sens, sens.frames[i]).pixels);
    CHECK(loadDepth(posed.frames[i]).metres == loadDepth(sens.frames[i]).metres);
    CHECK(posed.frames[i].cameraToWorld.has_value() == sens.frames[i].cameraToWorld.has_value());
    if (sens.frames[i].cameraToWorld)
      CHECK(posed.frames[i].cameraToWorld->isApprox(*sens.frames[i].cameraToWorld, 1e-6));
  }
  REQUIRE(posed.frames[0].depthIntrinsics);
  CHECK(posed.frames[0].depthIntrinsics->fx == Approx(27));
  PosedImagesOptions every;
  every.every = 2;
  CHECK(exportPosedImages(sens, f.dir.file("sparse"), every).frames == 2);
}

TEST_CASE("Bad .sens files: one clear message naming the file and the frame") {
  SensFixture f;
  const std::string whole = f.bytes();
  const auto refused = [&](const std::string& bytes) {
    f.rewrite(bytes);
    try {
      SensStream stream(f.path);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Contains(f.path));
      return std::string(e.what());
    }
    FAIL("accepted");
    return std::string();
  };
  std::string bad = whole;
  bad[0] = 5;
  CHECK_THAT(refused(bad), Contains("version 5"));
  bad = whole;
  const std::size_t colorType = f.afterName() + 4 * 64;
  bad[colorType] = 7;
  CHECK_THAT(refused(bad), Contains("colour compression type 7"));
  bad = whole;
  bad[colorType + 4] = 2;
  CHECK_THAT(refused(bad), Contains("occi_ushort"));
  bad = whole;
  bad[colorType + 8 + 3] = 0x40;  // a colour width of about a billion
  CHECK_THAT(refused(bad), Contains("is not an image's"));
  CHECK_THAT(refused(whole.substr(0, 30)), Contains("cut short"));
  CHECK_THAT(refused(""), Contains("too short"));
}

TEST_CASE("A cut .sens keeps the frames before the cut; one corrupt frame is that frame's") {
  SensFixture f;
  const std::string whole = f.bytes();
  const SensStream intact(f.path);
  const auto& second = intact.frames()[2];

  f.rewrite(whole.substr(0, second.depthOffset + 5));  // inside the last frame's depth
  const SensStream cut(f.path);
  CHECK(cut.frames().size() == 2);
  CHECK_THAT(cut.truncation(), Contains("frame 2 of 3"));
  const Scene scene = loadScene(f.path);
  CHECK(scene.frames.size() == 2);
  CHECK_THAT(scene.warnings.front(), Contains("frame 2 of 3") && Contains(f.path));

  // A header announcing 2^40 frames: the file's three load, nothing of that size is allocated.
  f.write(std::uint64_t{1} << 40);
  const SensStream boastful(f.path);
  CHECK(boastful.frames().size() == 3);
  CHECK_THAT(boastful.truncation(), Contains("frame 3 of 1099511627776"));

  std::string corrupt = whole;
  for (std::size_t i = 0; i < 8; ++i) corrupt[intact.frames()[1].depthOffset + 2 + i] = '\xff';
  corrupt[intact.frames()[2].colorOffset] = 0;  // no JPEG start marker
  f.rewrite(corrupt);
  const SensStream damaged(f.path);
  CHECK_THROWS_WITH(damaged.depth(1), Contains("frame 1") && Contains("zlib"));
  CHECK(damaged.depthUnits(0) == f.frames[0].depthUnits);
  CHECK(damaged.depthUnits(2) == f.frames[2].depthUnits);
  CHECK_THROWS_WITH(damaged.color(2), Contains("frame 2"));
  CHECK(damaged.color(0).width == kColorW);

  // Sizes in the header that disagree with a frame's data.
  std::string resized = whole;
  resized[f.afterName() + 4 * 64 + 8 + 8] = kDepthW + 1;  // depth width
  f.rewrite(resized);
  CHECK_THROWS_WITH(SensStream(f.path).depth(0), Contains("frame 0") && Contains("33x24"));
}
