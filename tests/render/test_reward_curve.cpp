#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/ask.h"
#include "core/reward_curve.h"
#include "tests/render/demo_fixture.h"

using namespace mspa;
using Catch::Matchers::Contains;

namespace {

// A model that always says the same distance, after `delay`, and remembers what it was asked.
class FixedAnswerModel : public AnswerBackend {
 public:
  explicit FixedAnswerModel(std::chrono::milliseconds delay = {}) : delay_(delay) {}
  std::string label() const override { return "fixed"; }
  BackendReply answer(const Question& question, const AnswerProgress&,
                      const std::atomic<bool>*) override {
    std::this_thread::sleep_for(delay_);
    const std::lock_guard lock(mutex_);
    asked.push_back(question);
    return {"The point traveled a total of `123` mm."};
  }
  std::vector<Question> asked;

 private:
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
};

RewardCurve oracleCurve(const Scene& scene, const RewardTarget& target, int parallel = 1) {
  std::vector<OracleBackend> oracles(parallel);
  std::vector<AnswerBackend*> workers;
  for (auto& oracle : oracles) workers.push_back(&oracle);
  return annotateReward(scene, target, workers);
}

}  // namespace

TEST_CASE(
    "The reward curve of the sliding toy equals the truth with the oracle and grows along the "
    "slide") {
  test::DemoFixture demo;
  const int start = firstFrameWithTracks(demo.scene);
  REQUIRE(start >= 0);
  const int track = trackNearPixel(demo.scene, start, {320, 240});
  REQUIRE(track >= 0);
  OracleBackend oracle;
  int seen = 0;
  const RewardCurve curve = annotateReward(demo.scene, {start, track, {}}, {&oracle},
                                           [&](const RewardPoint&) { ++seen; });
  REQUIRE(curve.points.size() >= 3);
  CHECK(curve.hasTruth());
  CHECK(seen == static_cast<int>(curve.points.size()));
  for (const auto& p : curve.points) {
    REQUIRE(p.predictedMm);
    REQUIRE(p.truthMm);
    CHECK(*p.predictedMm == *p.truthMm);
  }
  CHECK(*curve.points.back().truthMm > *curve.points.front().truthMm);
  test::TempDir out;
  writeRewardCsv(curve, out.file("r.csv"));
  std::ifstream csv(out.file("r.csv"));
  std::string header;
  std::getline(csv, header);
  CHECK(header == "frame,frame_name,predicted_mm,truth_mm,answer");
}

TEST_CASE(
    "The push episode's reward curve follows the block: still, pushed smoothly 0.8 m, still "
    "again") {
  test::DemoFixture demo(16, DemoKind::PushEpisode);
  REQUIRE(demo.scene.tracks.size() == 16);
  CHECK(demo.scene.tracks[0].label == "block");
  for (const auto& frame : demo.scene.frames)
    CHECK(frame.cameraToWorld->isApprox(*demo.scene.frames[0].cameraToWorld));
  const RewardCurve curve =
      oracleCurve(demo.scene, {0, trackNearPixel(demo.scene, 0, {320, 240}), {}});
  REQUIRE(curve.points.size() == test::DemoFixture::kFrames - 1);
  const double pushedMm = demo.room.movingDistance.norm() * 1000;
  for (const auto& p : curve.points) {
    INFO("frame " << p.frame);
    REQUIRE(p.truthMm);
    CHECK(*p.predictedMm == *p.truthMm);
    // The object-movement truth truncates to whole millimetres.
    CHECK(*p.truthMm == Approx(demo.room.motion(demo.time(p.frame)) * pushedMm).margin(1.0));
  }
  CHECK(*curve.points.front().truthMm == 0);  // before the push starts
  CHECK(*curve.points.back().truthMm == Approx(pushedMm).margin(1.0));
  CHECK(*curve.points[curve.points.size() - 2].truthMm ==
        *curve.points.back().truthMm);  // after it ends
}

TEST_CASE("Questions spread over several backends give the same curve as one backend") {
  test::DemoFixture demo(16, DemoKind::PushEpisode);
  const RewardTarget target{0, 5, {}};
  // Each answer takes 50 ms, so one worker alone would need 0.5 s: all three get questions.
  FixedAnswerModel slow[3]{FixedAnswerModel(std::chrono::milliseconds(50)),
                           FixedAnswerModel(std::chrono::milliseconds(50)),
                           FixedAnswerModel(std::chrono::milliseconds(50))};
  const RewardCurve spread = annotateReward(demo.scene, target, {&slow[0], &slow[1], &slow[2]});
  CHECK(spread.points.size() == test::DemoFixture::kFrames - 1);
  for (const auto& model : slow) CHECK_FALSE(model.asked.empty());
  CHECK(slow[0].asked.size() + slow[1].asked.size() + slow[2].asked.size() == spread.points.size());
  CHECK(
      std::is_sorted(spread.points.begin(), spread.points.end(),
                     [](const RewardPoint& a, const RewardPoint& b) { return a.frame < b.frame; }));

  const RewardCurve one = oracleCurve(demo.scene, target),
                    three = oracleCurve(demo.scene, target, 3);
  REQUIRE(one.points.size() == three.points.size());
  for (std::size_t i = 0; i < one.points.size(); ++i) {
    CHECK(three.points[i].frame == one.points[i].frame);
    CHECK(three.points[i].predictedMm == one.points[i].predictedMm);
  }
}

TEST_CASE(
    "A picked pixel follows the track within 12 pixels of it, and any other pixel goes without "
    "truth") {
  test::DemoFixture demo(16, DemoKind::PushEpisode);
  const int track = 5;
  RewardTarget onTrack = resolveRewardTarget(demo.scene, {0, track, {}});
  const Eigen::Vector2d trackPixel = *onTrack.pixel;
  CHECK(resolveRewardTarget(demo.scene, {0, -1, trackPixel + Eigen::Vector2d(3, -2)}).track ==
        track);
  const RewardTarget far = resolveRewardTarget(demo.scene, {0, -1, Eigen::Vector2d(20, 460)});
  CHECK(far.track == -1);
  CHECK_THROWS_WITH(oracleCurve(demo.scene, far),
                    Contains("geometry oracle") && Contains("has none"));
  FixedAnswerModel model;
  const RewardCurve curve = annotateReward(demo.scene, far, {&model});
  CHECK_FALSE(curve.hasTruth());
  CHECK(curve.points.size() == test::DemoFixture::kFrames - 1);
}

TEST_CASE(
    "An episode of frames alone is annotated by a model without truth, and a missing frame is "
    "reported") {
  test::DemoFixture demo(0, DemoKind::PushEpisode);
  CHECK(rewardUnsupportedReason(demo.scene).empty());
  CHECK(rewardTruthUnavailableReason(demo.scene) == "the scene has no point tracks");
  const std::string missing = demo.scene.frames[4].imagePath;
  std::filesystem::remove(missing);
  FixedAnswerModel model;
  const RewardCurve curve =
      annotateReward(demo.scene, {0, -1, Eigen::Vector2d(320, 240)}, {&model});
  REQUIRE(curve.points.size() == test::DemoFixture::kFrames - 1);
  for (const auto& p : curve.points) {
    INFO("frame " << p.frame);
    CHECK_FALSE(p.truthMm);
    if (p.frame == 4) {
      CHECK_FALSE(p.predictedMm);
      CHECK_THAT(p.answer, Contains("not asked") && Contains(missing));
    } else {
      CHECK(p.predictedMm == 123.0);
    }
  }
  REQUIRE(model.asked.size() == test::DemoFixture::kFrames - 2);
  const Question& q = model.asked.front();
  CHECK_FALSE(q.hasTruth());
  CHECK(q.images.size() == 2);
  CHECK_THAT(q.sample.prompt, Contains("How far did the point at [ 500 , 500 ] in Image-1 travel"));
  test::TempDir out;
  writeRewardCsv(curve, out.file("r.csv"));
  std::ifstream csv(out.file("r.csv"));
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  CHECK_THAT(row, Contains(",123.000000,,"));
}

TEST_CASE("An episode of one frame cannot give a reward curve and says why") {
  Scene scene;
  scene.source = "one.json";
  scene.frames.resize(1);
  CHECK(rewardUnsupportedReason(scene) == "the episode needs at least two frames");
  OracleBackend oracle;
  CHECK_THROWS_WITH(annotateReward(scene, {0, -1, Eigen::Vector2d(1, 1)}, {&oracle}),
                    Contains("at least two frames"));
}
