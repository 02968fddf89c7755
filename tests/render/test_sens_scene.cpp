// The demo room as ScanNet ships a scan (a .sens stream: colour at 1296x968, depth at 640x480),
// exported to MultiSPA's posed images, and as ScanNet's SensReader exports it: the same
// questions have the same truth in all three.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/question_builder.h"
#include "core/scene_export.h"
#include "core/sens_stream.h"
#include "tests/render/demo_fixture.h"

using namespace mspa;
namespace fs = std::filesystem;

namespace {

constexpr int kColorW = 1296, kColorH = 968;

// SensorData.py's save_mat_to_file: np.savetxt(fmt='%f'), one row per line.
void saveMatrix(const fs::path& path, const Eigen::Matrix4f& m) {
  std::ofstream out(path);
  for (int r = 0; r < 4; ++r) {
    char line[128];
    std::snprintf(line, sizeof(line), "%f %f %f %f\n", m(r, 0), m(r, 1), m(r, 2), m(r, 3));
    out << line;
  }
}

struct SensDemo : test::DemoFixture {
  std::string sens = (dir.path() / "scene_demo.sens").string();

  SensDemo() { writeSceneAsSens(scene, sens, kColorW, kColorH); }

  // The folder SensReader's reader.py writes (--export_color_images --export_depth_images
  // --export_poses --export_intrinsics); the colour bytes are kept as stored.
  std::string sensReaderExport() const {
    const SensStream stream(sens);
    const fs::path out = dir.path() / "sensreader";
    for (const char* sub : {"color", "depth", "pose", "intrinsic"})
      fs::create_directories(out / sub);
    for (std::size_t i = 0; i < stream.frames().size(); ++i) {
      const std::string n = std::to_string(i);
      std::ofstream(out / "color" / (n + ".jpg"), std::ios::binary)
          .write(reinterpret_cast<const char*>(stream.colorData(i)),
                 static_cast<std::streamsize>(stream.frames()[i].colorBytes));
      writeDepthPng((out / "depth" / (n + ".png")).string(), stream.depth(i), 0.001);
      saveMatrix(out / "pose" / (n + ".txt"), stream.frames()[i].cameraToWorld);
    }
    saveMatrix(out / "intrinsic" / "intrinsic_color.txt", stream.header().colorIntrinsic);
    saveMatrix(out / "intrinsic" / "intrinsic_depth.txt", stream.header().depthIntrinsic);
    return out.string();
  }
};

nlohmann::json truthOf(const Scene& scene, const QuestionSpec& spec) {
  QuestionBuilder builder(scene, 5);
  std::string whyNot;
  const auto q = builder.build(spec, whyNot);
  INFO(scene.source << ": " << whyNot);
  REQUIRE(q);
  return q->sample.gtValue;
}

}  // namespace

TEST_CASE("A question has the same truth on a .sens, its posed images and its SensReader export") {
  SensDemo d;
  const Scene sens = loadScene(d.sens);
  REQUIRE(sens.frames.size() == d.scene.frames.size());
  CHECK(sens.frames[0].intrinsics->width == kColorW);
  CHECK(sens.frames[0].depthIntrinsics->width == 640);
  const Scene posed =
      loadScene(exportPosedImages(sens, (d.dir.path() / "posed_images").string()).folder);
  const Scene exported = loadScene(d.sensReaderExport());
  CHECK(exported.kind == "sensreader");
  REQUIRE(exported.frames.size() == sens.frames.size());
  CHECK(exported.frames[3].name == "00003");

  const std::vector<QuestionSpec> specs = {
      {"depth_estimation_coor", {3}, {Eigen::Vector2d(648, 850)}},
      {"visual_correspondence_coor_2_coor", {2, 5}, {Eigen::Vector2d(600, 700)}},
      {"displacement_vector", {1, 8}},
      {"total_distance", {1, 8}}};
  for (const auto& spec : specs) {
    INFO(spec.subtask);
    const nlohmann::json truth = truthOf(sens, spec);
    CHECK(truthOf(posed, spec) == truth);  // the same bytes, the same cameras
    // SensReader writes poses with six decimals: within a millimetre (vectors are in metres) or
    // one unit of a normalized coordinate.
    const nlohmann::json approx = truthOf(exported, spec);
    const double margin = spec.subtask == "displacement_vector" ? 0.0011 : 1.001;
    const auto values = [](const nlohmann::json& j) {
      return j.is_array() ? j.get<std::vector<double>>() : std::vector<double>{j.get<double>()};
    };
    REQUIRE(values(approx).size() == values(truth).size());
    for (std::size_t i = 0; i < values(truth).size(); ++i)
      CHECK(values(approx)[i] == Approx(values(truth)[i]).margin(margin));
  }
}
