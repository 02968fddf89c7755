#include <catch2/catch.hpp>

#include <filesystem>
#include <tuple>

#include "core/answer_parser.h"
#include "core/dataset_generator.h"
#include "core/demo_room.h"
#include "core/geometry.h"
#include "core/multispa_sample.h"
#include "core/question_builder.h"
#include "core/scorer.h"
#include "tests/render/demo_fixture.h"

using namespace mspa;

namespace {

constexpr int kFrames = test::DemoFixture::kFrames;

struct Demo : test::DemoFixture {
  Question ask(QuestionSpec spec) {
    QuestionBuilder builder(scene, 3);
    std::string whyNot;
    auto q = builder.build(spec, whyNot);
    INFO(whyNot);
    REQUIRE(q);
    return *q;
  }
  Eigen::Vector2d pixelOf(int f, const Eigen::Vector3d& world) const {
    return project(*scene.frames[f].intrinsics, scene.frames[f].cameraToWorld->inverse() * world);
  }
};

const std::string& description(const char* subtask) {
  return findSubtask(subtask)->taskDescription;
}

}  // namespace

TEST_CASE("Golden: depth at a coordinate equals the ray-cast floor depth") {
  Demo d;
  const int f = 3;
  const Eigen::Vector2d pixel(320, 420);
  const Pose& pose = *d.scene.frames[f].cameraToWorld;
  const Eigen::Vector3d ray = pose.linear() * unproject(*d.scene.frames[f].intrinsics, pixel, 1.0);
  const long long expected = std::lround(-pose.translation().z() / ray.z() * 1000);
  const Question q = d.ask({"depth_estimation_coor", {f}, {pixel}});
  CHECK(q.sample.prompt == description("depth_estimation_coor") +
                               "\nWhat is the depth at point [ 500 , 875 ] in the image (in mm)?");
  CHECK(std::abs(q.sample.gtValue.get<long long>() - expected) <= 2);
  CHECK(q.sample.answer == "The depth at point [ 500 , 875 ] is `" +
                               std::to_string(q.sample.gtValue.get<long long>()) + "` mm.");
  CHECK(q.sample.images == std::vector<std::string>{"demo/00015.jpg"});
  CHECK(q.sample.widths == std::vector<int>{640});
}

TEST_CASE("Golden: the dot variant draws the engine's dot on a copy of the frame") {
  Demo d;
  const Eigen::Vector2d pixel(300, 400);
  const Question q = d.ask({"depth_estimation_dot", {2}, {pixel}});
  CHECK(q.sample.prompt == description("depth_estimation_dot") +
                               "\nWhat is the depth of the annotated point in the image (in mm)?");
  REQUIRE(q.images.size() == 1);
  const RgbImage plain = loadColor(d.scene, d.scene.frames[2]);
  const auto* marked = q.images[0].at(300, 400);
  const auto* original = plain.at(300, 400);
  CHECK((marked[0] != original[0] || marked[1] != original[1] || marked[2] != original[2]));
  CHECK(std::equal(q.images[0].at(300, 440), q.images[0].at(300, 440) + 3,
                   plain.at(300, 440)));  // 40 px away: untouched
  CHECK(q.sample.images[0].find("_annotated") == std::string::npos);
  CHECK(q.sample.images[0] != "demo/00010.jpg");
}

TEST_CASE("Golden: depth comparison answers the nearer or farther point") {
  Demo d;
  const Eigen::Vector2d near = d.pixelOf(4, {3.0, 2.0, 0.4}),
                        far = d.pixelOf(4, {3.0, 4.9, 1.5});  // table front, back wall
  const Question closer = d.ask({"depth_comparison_coordinate", {4}, {near, far}, -1, -1, true});
  const Eigen::Vector2i n = normalizedCoordinates(near, 640, 480);
  CHECK(closer.sample.gtValue == nlohmann::json({n.x(), n.y()}));
  CHECK(closer.sample.answer == "Point `[ " + std::to_string(n.x()) + " , " +
                                    std::to_string(n.y()) + " ]` is closer to the camera.");
  const Question farther = d.ask({"depth_comparison_coordinate", {4}, {near, far}, -1, -1, false});
  CHECK(farther.sample.prompt.find("farther from the camera:") != std::string::npos);
  CHECK(farther.sample.gtValue != closer.sample.gtValue);
  const Question letters = d.ask({"depth_comparison_annotated", {4}, {near, far}, -1, -1, true});
  const auto& info = letters.sample.fields["points_info"];
  CHECK(info[0]["depth"].get<int>() < info[1]["depth"].get<int>());
  CHECK((letters.sample.gtValue == "A" || letters.sample.gtValue == "B"));
}

TEST_CASE("Golden: correspondence lands on the point's projection in the second frame") {
  Demo d;
  const Eigen::Vector3d point(3.0, 2.0, 0.4);
  const Question q = d.ask({"visual_correspondence_coor_2_coor", {2, 7}, {d.pixelOf(2, point)}});
  const Eigen::Vector2i expected = normalizedCoordinates(d.pixelOf(7, point), 640, 480);
  const auto gt = q.sample.gtValue.get<std::vector<int>>();
  CHECK(std::abs(gt[0] - expected.x()) <= 3);
  CHECK(std::abs(gt[1] - expected.y()) <= 3);
  const Question mcq =
      d.ask({"visual_correspondence_multiple_choice", {2, 7}, {d.pixelOf(2, point)}});
  CHECK(mcq.images.size() == 2);
  CHECK(mcq.sample.answer ==
        "The correct point is labeled `" + mcq.sample.gtValue.get<std::string>() + "`.");
}

TEST_CASE("Golden: camera motion values from the constructed camera path") {
  Demo d;
  const int a = 2, b = 9;
  const Pose e1 = d.room.cameraAt(d.time(a)), e2 = d.room.cameraAt(d.time(b));
  // Independently: the second camera's centre seen from the first camera.
  const Eigen::Vector3d t = e1.linear().transpose() * (e2.translation() - e1.translation());
  const auto ask = [&](const char* subtask) { return d.ask({subtask, {a, b}}); };
  CHECK(ask("x_movement").sample.gtValue == (t.x() > 0 ? "right" : "left"));
  CHECK(ask("y_movement").sample.gtValue == (t.y() > 0 ? "down" : "up"));
  CHECK(ask("z_movement").sample.gtValue == (t.z() > 0 ? "forward" : "backward"));
  CHECK(ask("total_distance").sample.gtValue == static_cast<long long>(t.norm() * 1000));
  const Question vector = ask("displacement_vector");
  CHECK(
      Eigen::Vector3d(vector.sample.gtValue[0], vector.sample.gtValue[1], vector.sample.gtValue[2])
          .isApprox(t, 1e-6));
  CHECK(vector.sample.answer ==
        "The displacement vector is `[ " + std::to_string(static_cast<long long>(t.x() * 1000)) +
            " , " + std::to_string(static_cast<long long>(t.y() * 1000)) + " , " +
            std::to_string(static_cast<long long>(t.z() * 1000)) + " ]` mm.");
  const Eigen::Vector3d f1 = e1.linear().col(2), f2 = e2.linear().col(2);
  double yaw = (std::atan2(f2.y(), f2.x()) - std::atan2(f1.y(), f1.x())) * 180 / M_PI;
  yaw = yaw > 180 ? yaw - 360 : yaw < -180 ? yaw + 360 : yaw;
  CHECK(ask("yaw_movement").sample.gtValue == (yaw > 0 ? "left" : "right"));
  CHECK(ask("yaw_angle").sample.gtValue == static_cast<long long>(std::abs(yaw)));
  const double pitch = (std::asin(f2.z()) - std::asin(f1.z())) * 180 / M_PI;
  CHECK(ask("pitch_angle").sample.gtValue == static_cast<long long>(std::abs(pitch)));
  CHECK(ask("pitch_movement").sample.gtValue == (pitch > 0 ? "up" : "down"));
}

TEST_CASE("Golden: object size from the constructed table") {
  Demo d;
  int table = -1;
  for (std::size_t i = 0; i < d.scene.instances.size(); ++i) {
    if (d.scene.instances[i].label == "table") table = static_cast<int>(i);
  }
  REQUIRE(table >= 0);
  QuestionSpec spec{"object_perception_height_estimation", {2, 6}};
  spec.instance = table;
  const Question height = d.ask(spec);
  CHECK(height.sample.gtValue == 750);
  CHECK(height.sample.prompt.find("What is the height (in millimeters) of the table itself") !=
        std::string::npos);
  CHECK(height.sample.answer == "The height is approximately `750` millimeters.");
  spec.subtask = "object_perception_length_estimation";
  CHECK(d.ask(spec).sample.gtValue == 1600);
  spec.subtask = "object_perception_width_estimation";
  CHECK(d.ask(spec).sample.gtValue == 900);
}

TEST_CASE("Golden: object movement of a tracked point in first-camera coordinates") {
  Demo d;
  // The farthest-apart pair of frames that both see some tracked point.
  int a = -1, b = -1, k = -1;
  for (int gap = kFrames - 1; gap > 0 && k < 0; --gap) {
    for (int first = 0; first + gap < kFrames && k < 0; ++first) {
      for (std::size_t i = 0; i < d.scene.tracks.size() && k < 0; ++i) {
        if (d.scene.tracks[i].visible[first] && d.scene.tracks[i].visible[first + gap])
          std::tie(a, b, k) = std::tuple(first, first + gap, int(i));
      }
    }
  }
  REQUIRE(k >= 0);
  REQUIRE(b - a >= 3);
  const Eigen::Vector3d world = d.room.movingOffset(d.time(b)) - d.room.movingOffset(d.time(a));
  const Eigen::Vector3d camera = d.room.cameraAt(d.time(a)).linear().transpose() * world;
  QuestionSpec spec{"object_movement_distance_coordinate_adt", {a, b}};
  spec.track = k;
  const Question distance = d.ask(spec);
  CHECK(distance.sample.questionType == "tapvid3d_total_distance");
  CHECK(distance.sample.gtValue == static_cast<long long>(camera.norm() * 1000));
  CHECK(distance.sample.answer == "The point traveled a total of `" +
                                      std::to_string(static_cast<long long>(camera.norm() * 1000)) +
                                      "` mm.");
  spec.subtask = "object_movement_vector_dot_adt";
  const Question vector = d.ask(spec);
  CHECK(
      Eigen::Vector3d(vector.sample.gtValue[0], vector.sample.gtValue[1], vector.sample.gtValue[2])
          .isApprox(camera, 1e-6));
  CHECK(vector.sample.prompt.find("the annotated point in Image-1") != std::string::npos);
  // The same frame twice: the point did not move.
  spec = {"object_movement_distance_coordinate_adt", {a, a}};
  spec.track = k;
  const Question still = d.ask(spec);
  CHECK(still.sample.gtValue == 0);
  CHECK(still.sample.answer.rfind("The point did not move. ", 0) == 0);
}

TEST_CASE(
    "Generated data scores 100% against its own canonical answers, and reports what it skips") {
  Demo d;
  GenerateOptions options;
  options.perSubtask = 6;
  const auto out = d.dir.path() / "generated";
  const GenerateReport report = generateDataset(d.scene, out.string(), options);
  CHECK(report.written.size() ==
        22);  // 26 subtasks; the four Panoptic Studio twins are not repeated
  CHECK(report.skipped.empty());
  CHECK(report.pairsInRange > 0);
  SampleFile all;
  for (const auto& [subtask, n] : report.written) {
    CHECK(n == 6);
    auto file = readSampleFile((out / (subtask + ".jsonl")).string());
    CHECK(file.diagnostics.empty());
    for (auto& s : file.samples) {
      for (const auto& image : s.images) CHECK(std::filesystem::exists(out / "images" / image));
      all.samples.push_back(std::move(s));
    }
  }
  PredictionFile oracle;
  for (const auto& s : all.samples) oracle.predictions.push_back({s.id, s.answer, 0});
  const ScoreReport scores = scoreRuns(all, {{"oracle", oracle}}, ParseMode::Strict);
  CHECK(scores.models[0].columnsScored == 12);
  CHECK(scores.models[0].average == 100.0);

  Scene bare;  // frames without depth, poses, tracks or objects
  bare.name = "bare";
  bare.frames.resize(3);
  const GenerateReport none = generateDataset(bare, (d.dir.path() / "none").string(), options);
  CHECK(none.samples == 0);
  CHECK(none.skipped.at("depth_estimation_dot") == "no frame has depth and intrinsics");
  CHECK(none.skipped.at("x_movement") == "needs two frames with camera poses");
  CHECK(none.skipped.at("object_perception_height_estimation") ==
        "the scene has no labelled objects");
  CHECK(none.skipped.at("object_movement_distance_dot_adt") == "the scene has no point tracks");
}
