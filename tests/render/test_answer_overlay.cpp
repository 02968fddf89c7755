#include <catch2/catch.hpp>

#include "core/answer_overlay.h"
#include "core/ask.h"
#include "core/geometry.h"

#include "tests/render/demo_fixture.h"

using namespace mspa;

namespace {

struct Asked {
  Question question;
  AskOutcome outcome;
  AnswerOverlay overlay;
};

struct Demo : test::DemoFixture {
  Question build(const std::string& subtask, std::uint32_t seed = 5) {
    QuestionBuilder builder(scene, seed);
    std::string whyNot;
    auto q = builder.build({subtask}, whyNot);
    INFO(subtask << ": " << whyNot);
    REQUIRE(q);
    return *q;
  }
  Asked ask(const Question& q, AnswerBackend& backend) {
    const auto outcome = judgeAnswer(q, backend.answer(q, {}, nullptr));
    return {q, outcome, buildAnswerOverlay(scene, q, outcome)};
  }
  Asked answer(const Question& q, const std::string& text) {
    const auto outcome = judgeAnswer(q, {text});
    return {q, outcome, buildAnswerOverlay(scene, q, outcome)};
  }
};

template <typename T>
std::size_t countRole(const std::vector<T>& items, OverlayRole role) {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [&](const T& i) { return i.role == role; }));
}

}  // namespace

TEST_CASE(
    "The geometry oracle answers every subtask of the demo scene correctly, with its family's "
    "overlay") {
  Demo demo;
  OracleBackend oracle;
  CHECK(oracle.answersWithTruth());
  int asked = 0;
  for (const auto& task : taskCatalog()) {
    if (!QuestionBuilder(demo.scene).unsupportedReason(task).empty()) continue;
    INFO(task.subtask);
    const auto a = demo.ask(demo.build(task.subtask), oracle);
    ++asked;
    CHECK(a.outcome.parsed.ok);
    CHECK(a.outcome.verdict.correct);
    CHECK(a.overlay.correct);
    CHECK_THAT(a.overlay.caption, Catch::Matchers::Contains("correct"));
    switch (taskFamily(task)) {
      case TaskFamily::Depth:
        CHECK(countRole(a.overlay.points, OverlayRole::Truth) == 1);
        CHECK(countRole(a.overlay.points, OverlayRole::Prediction) == 1);
        CHECK((a.overlay.points[0].world - a.overlay.points[1].world).norm() < 1e-9);
        break;
      case TaskFamily::DepthComparison:
        CHECK(countRole(a.overlay.marks, OverlayRole::Query) == 2);
        CHECK(countRole(a.overlay.marks, OverlayRole::Prediction) == 1);
        CHECK(countRole(a.overlay.points, OverlayRole::Query) == 2);
        break;
      case TaskFamily::Correspondence:
        CHECK(countRole(a.overlay.segments, OverlayRole::Prediction) == 1);
        CHECK(countRole(a.overlay.points, OverlayRole::Truth) == 1);
        break;
      case TaskFamily::CameraMotion:
        CHECK(countRole(a.overlay.cameras, OverlayRole::Query) == 1);
        CHECK(countRole(a.overlay.cameras, OverlayRole::Truth) == 1);
        if (task.answer == AnswerKind::Word) {
          CHECK(countRole(a.overlay.arrows, OverlayRole::Prediction) == 1);
          CHECK(countRole(a.overlay.segments, OverlayRole::Prediction) ==
                1);  // the arrow on the image
        } else {
          CHECK(countRole(a.overlay.cameras, OverlayRole::Prediction) == 1);
        }
        break;
      case TaskFamily::ObjectSize:
        CHECK(countRole(a.overlay.boxes, OverlayRole::Truth) == 1);
        CHECK(countRole(a.overlay.boxes, OverlayRole::Prediction) == 1);
        CHECK(countRole(a.overlay.segments, OverlayRole::Truth) >=
              12);  // the box drawn in both frames
        break;
      case TaskFamily::ObjectMovement:
        CHECK(countRole(a.overlay.arrows, OverlayRole::Truth) == 1);
        CHECK(countRole(a.overlay.arrows, OverlayRole::Prediction) == 1);
        break;
    }
  }
  CHECK(asked >= 20);
}

TEST_CASE("A wrong depth lies along the pixel's ray at the predicted distance") {
  Demo demo;
  const auto q = demo.build("depth_estimation_coor");
  const double truth = q.truth().number.x();
  const auto a =
      demo.answer(q, "The depth is `" + std::to_string(static_cast<int>(truth * 2)) + "` mm.");
  CHECK_FALSE(a.outcome.verdict.correct);
  CHECK_FALSE(a.overlay.correct);
  const Eigen::Vector3d centre = demo.scene.frames[q.frames[0]].cameraToWorld->translation();
  const auto& truePoint = a.overlay.points[0].world;
  const auto& predicted = a.overlay.points[1].world;
  CHECK(a.overlay.points[1].role == OverlayRole::Prediction);
  // Depth is along the optical axis, so twice the depth is twice the distance along the same ray.
  CHECK((predicted - centre).norm() == Approx(2 * (truePoint - centre).norm()).epsilon(1e-3));
  CHECK((predicted - centre).normalized().dot((truePoint - centre).normalized()) == Approx(1.0));
}

TEST_CASE(
    "Correspondence overlay: tolerance circle of 5% width around the truth and the PNG shows both "
    "colours") {
  Demo demo;
  const auto q = demo.build("visual_correspondence_coor_2_coor");
  const auto& k = *demo.scene.frames[q.frames[1]].intrinsics;
  AnswerValue off = q.truth();
  off.number.x() = std::min(1000.0, off.number.x() + 200);  // 20% of the width away
  const auto a = demo.answer(q, "It is at `" + formatAnswerValue(off) + "`.");
  CHECK_FALSE(a.outcome.verdict.correct);
  const auto tolerance = std::find_if(a.overlay.marks.begin(), a.overlay.marks.end(),
                                      [](auto& m) { return m.role == OverlayRole::Tolerance; });
  REQUIRE(tolerance != a.overlay.marks.end());
  CHECK(tolerance->radius == Approx(0.05 * k.width));
  const auto predicted = std::find_if(a.overlay.marks.begin(), a.overlay.marks.end(),
                                      [](auto& m) { return m.role == OverlayRole::Prediction; });
  REQUIRE(predicted != a.overlay.marks.end());
  CHECK(predicted->image == 1);
  CHECK((predicted->pixel -
         pixelFromNormalized({static_cast<int>(off.number.x()), static_cast<int>(off.number.y())},
                             k.width, k.height))
            .norm() < 1e-9);

  const RgbImage png = drawAnswerOverlay(q, a.overlay);
  CHECK(png.width == q.images[0].width + q.images[1].width);
  CHECK(png.height > q.images[0].height);
  const auto colourAt = [&](const Eigen::Vector2d& p) {
    const auto* px = png.at(static_cast<int>(p.x()) + q.images[0].width, static_cast<int>(p.y()));
    return std::array<std::uint8_t, 3>{px[0], px[1], px[2]};
  };
  CHECK(colourAt(predicted->pixel) == overlayColor(OverlayRole::Prediction, false));
  const auto truthMark = std::find_if(a.overlay.marks.begin(), a.overlay.marks.end(),
                                      [](auto& m) { return m.role == OverlayRole::Truth; });
  CHECK(colourAt(truthMark->pixel) == overlayColor(OverlayRole::Truth, false));
}

TEST_CASE("An unparsable answer keeps the truth overlay and says why in the caption") {
  Demo demo;
  const auto q = demo.build("object_movement_vector_coordinate_adt");
  const auto a = demo.answer(q, "I cannot tell.");
  CHECK_FALSE(a.outcome.parsed.ok);
  CHECK_FALSE(a.overlay.parsed);
  CHECK_THAT(a.overlay.caption, Catch::Matchers::StartsWith("answer not understood"));
  CHECK(countRole(a.overlay.arrows, OverlayRole::Truth) == 1);
  CHECK(countRole(a.overlay.arrows, OverlayRole::Prediction) == 0);
}
