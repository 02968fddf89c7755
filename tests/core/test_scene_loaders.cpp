#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <opencv2/videoio.hpp>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/npz.h"
#include "core/ply_writer.h"
#include "core/scene.h"
#include "core/scene_summary.h"
#include "tests/core/scene_test_helpers.h"

using namespace mspa;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("ScanNet folder: frames in capture order with depth, intrinsics and poses") {
  test::TempDir dir;
  const fs::path folder = dir.path() / "scene0001_00";
  test::writeScanNetFolder(folder, 12);
  const Scene scene = loadScene(folder.string());
  CHECK(scene.kind == "scannet");
  CHECK(scene.name == "scene0001_00");
  REQUIRE(scene.frames.size() == 12);
  CHECK(scene.frames[2].name == "00010");  // numeric order, not lexical
  CHECK(scene.frames[11].name == "00055");
  CHECK(scene.frames[3].timestamp == Approx(15.0 / 30.0));
  CHECK(scene.warnings.empty());
  const Frame& f = scene.frames[4];
  REQUIRE(f.hasGeometry());
  CHECK(f.intrinsics->width == 64);
  CHECK(f.intrinsics->fx == 50);
  CHECK(f.cameraToWorld->translation().isApprox(Eigen::Vector3d(0.4, 0, 1)));
  const DepthImage depth = loadDepth(f);
  CHECK(depth.at(10, 10) == Approx(2.0f));
  const RgbImage color = loadColor(scene, f);
  CHECK(color.width == 64);
  CHECK(std::abs(int(color.at(63, 0)[0]) - 251) < 6);  // the gradient survives JPEG
}

TEST_CASE("ScanNet folder: mesh, instances and tracks from the scans layout") {
  test::TempDir dir;
  const fs::path folder = dir.path() / "posed_images" / "scene0002_00";
  test::writeScanNetFolder(folder, 3);
  const fs::path scans = dir.path() / "scans" / "scene0002_00";
  fs::create_directories(scans);
  PointCloud mesh;
  mesh.positions = {{0, 0, 0}, {1, 0, 0}, {0, 2, 0}, {5, 5, 1}, {6, 5, 3}};
  mesh.colors.assign(5, {1, 2, 3});
  writePly((scans / "scene0002_00_vh_clean_2.ply").string(), mesh);
  writeJsonFile((scans / "scene0002_00_vh_clean_2.0.010000.segs.json").string(),
                {{"segIndices", {7, 7, 7, 9, 9}}});
  writeJsonFile((scans / "scene0002_00.aggregation.json").string(),
                {{"segGroups",
                  {{{"id", 0}, {"objectId", 0}, {"label", "rug"}, {"segments", {7}}},
                   {{"id", 1}, {"objectId", 1}, {"label", "lamp"}, {"segments", {9}}}}}});
  writeJsonFile((folder / "scene0002_00_tracks.json").string(),
                {{"tracks",
                  {{{"label", "cup"},
                    {"positions", {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}}},
                    {"visible", {true, false, true}}}}}});
  const Scene scene = loadScene(folder.string());
  REQUIRE(scene.cloud);
  CHECK(scene.cloud->size() == 5);
  REQUIRE(scene.instances.size() == 2);
  CHECK(scene.instances[1].label == "lamp");
  CHECK(scene.instances[1].box.min == Eigen::Vector3f(5, 5, 1));
  CHECK(scene.instances[1].box.max == Eigen::Vector3f(6, 5, 3));
  CHECK(scene.instances[0].pointIndices == std::vector<std::uint32_t>{0, 1, 2});
  REQUIRE(scene.tracks.size() == 1);
  CHECK(scene.tracks[0].visible == std::vector<bool>{true, false, true});
  CHECK(scene.tracks[0].positions[2] == Eigen::Vector3d(0, 0, 2));
}

TEST_CASE("A 2000-frame ScanNet scene opens without decoding images") {
  test::TempDir dir;
  const fs::path folder = dir.path() / "big";
  fs::create_directories(folder);
  test::writeScanNetFolder(folder, 1);
  // Every other frame is a JPEG cut short after its headers: its size can be read, its pixels
  // cannot, so the scene only opens cleanly if opening reads headers and nothing more.
  std::ifstream in(folder / "00000.jpg", std::ios::binary);
  const std::string jpeg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string headersOnly = jpeg.substr(0, 400);
  for (int f = 1; f < 2000; ++f) {
    const std::string name = std::to_string(100000 + f).substr(1);
    test::writeFile((folder / (name + ".jpg")).string(), f % 2 ? headersOnly : jpeg);
    fs::copy_file(folder / "00000.png", folder / (name + ".png"));
    fs::copy_file(folder / "00000.txt", folder / (name + ".txt"));
  }
  const Scene scene = loadScene(folder.string());
  CHECK(scene.frames.size() == 2000);
  CHECK(scene.warnings.empty());
  CHECK(scene.frames[1].intrinsics->width == 64);
  CHECK_THROWS_AS(loadColor(scene, scene.frames[1]), InputError);
}

TEST_CASE("Scene manifest: frames, per-frame intrinsics, cloud, tracks and instances") {
  test::TempDir dir;
  writeJpeg(dir.file("a.jpg"), test::gradientImage(40, 30));
  writeJpeg(dir.file("b.jpg"), test::gradientImage(40, 30));
  writeDepthPng(dir.file("a_depth.png"), {40, 30, std::vector<float>(1200, 1.5f)});
  PointCloud cloud;
  cloud.positions = {{0, 0, 0}, {1, 1, 1}};
  writePly(dir.file("cloud.ply"), cloud);
  const nlohmann::json identity = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
  writeJsonFile(
      dir.file("scene.json"),
      {{"name", "kitchen"},
       {"intrinsics",
        {{"fx", 30}, {"fy", 30}, {"cx", 19.5}, {"cy", 14.5}, {"width", 40}, {"height", 30}}},
       {"frames",
        {{{"image", "a.jpg"},
          {"depth", "a_depth.png"},
          {"camera_to_world", identity},
          {"timestamp", 0.5}},
         {{"image", "b.jpg"},
          {"intrinsics", {{"fx", 60}, {"fy", 60}, {"cx", 19.5}, {"cy", 14.5}}}}}},
       {"point_cloud", "cloud.ply"},
       {"tracks", {{{"positions", {{0, 0, 1}, {0, 0, 2}}}}}},
       {"instances",
        {{{"id", 3}, {"label", "mug"}, {"box_min", {0, 0, 0}}, {"box_max", {0.1, 0.1, 0.12}}}}}});
  const Scene scene = loadScene(dir.file("scene.json"));
  CHECK(scene.name == "kitchen");
  REQUIRE(scene.frames.size() == 2);
  CHECK(scene.frames[0].hasGeometry());
  CHECK(scene.frames[0].timestamp == 0.5);
  CHECK(loadDepth(scene.frames[0]).at(5, 5) == Approx(1.5f));
  CHECK(scene.frames[1].intrinsics->fx == 60);
  CHECK(scene.frames[1].intrinsics->width == 40);  // size from the image header
  CHECK_FALSE(scene.frames[1].cameraToWorld);
  CHECK(scene.cloud->size() == 2);
  CHECK(scene.tracks.size() == 1);
  CHECK(scene.instances[0].box.max.z() == Approx(0.12f));
}

TEST_CASE("A folder of images and a video become frames without geometry") {
  test::TempDir dir;
  const fs::path images = dir.path() / "images";
  fs::create_directories(images);
  for (const char* name : {"frame_10.png", "frame_2.png", "frame_1.jpg"})
    writePng((images / name).string(), test::gradientImage(32, 24));
  test::writeFile((images / "notes.txt").string(), "not an image");
  const Scene folder = loadScene(images.string());
  CHECK(folder.kind == "images");
  REQUIRE(folder.frames.size() == 3);
  CHECK(folder.frames[0].name == "frame_1");
  CHECK(folder.frames[2].name == "frame_10");
  CHECK_FALSE(folder.frames[0].hasGeometry());
  CHECK(loadColor(folder, folder.frames[1]).height == 24);

  const std::string videoPath = dir.file("clip.avi");
  cv::VideoWriter writer(videoPath, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0,
                         cv::Size(32, 24));
  REQUIRE(writer.isOpened());
  for (int i = 0; i < 5; ++i) writer.write(cv::Mat(24, 32, CV_8UC3, cv::Scalar(i * 40, 0, 0)));
  writer.release();
  const Scene video = loadScene(videoPath);
  CHECK(video.kind == "video");
  REQUIRE(video.frames.size() == 5);
  CHECK(video.frames[3].timestamp == Approx(0.3));
  const RgbImage third = loadColor(video, video.frames[3]);
  CHECK(third.width == 32);
  CHECK(std::abs(int(third.at(5, 5)[2]) - 120) < 12);  // blue channel written as 3 * 40
}

TEST_CASE("Scene summary names every part of the scene") {
  test::TempDir dir;
  test::writeScanNetFolder(dir.path() / "s", 4);
  const std::string text = describeScene(loadScene((dir.path() / "s").string()));
  CHECK_THAT(text, Contains("frames:     4 (00000 .. 00015)"));
  CHECK_THAT(text, Contains("resolution: 64x48"));
  CHECK_THAT(text, Contains("depth:      4/4 frames, 100.0% of pixels"));
  CHECK_THAT(text, Contains("poses:      4/4 valid"));
  CHECK_THAT(text, Contains("problems:   0"));
}
