#pragma once

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/answer_parser.h"
#include "core/multispa_sample.h"
#include "core/scene.h"
#include "core/task_catalog.h"

namespace mspa {

// What to ask: a subtask, and optionally the frames, pixels, object or track it is about. Anything
// left empty is sampled the way the data engine samples it.
struct QuestionSpec {
  std::string subtask;
  std::vector<int> frames;              // 1 or 2 frame indices
  std::vector<Eigen::Vector2d> points;  // pixels of the first frame (1, or 2 for depth comparison)
  int instance = -1;                    // object size: index in scene.instances
  int track = -1;                       // object movement: index in scene.tracks
  std::optional<bool> closer;           // depth comparison: ask for the closer (or farther) point
  std::optional<bool> swapFrames;       // pair tasks: swap the two frames (default: coin flip)
};

// A MultiSPA question built from a scene: the sample exactly as the data engine writes it, the
// images to send (annotated where the task draws dots or letters), and the truth.
struct Question {
  // A lettered choice drawn on an image: depth comparison's A/B, correspondence's A-D.
  struct Choice {
    std::string letter;
    int image = 0;  // index into frames
    Eigen::Vector2d pixel;
  };

  const TaskInfo* task = nullptr;
  std::vector<int> frames;
  std::vector<Eigen::Vector2d> points;  // what the question refers to, in first-frame pixels
  std::vector<Choice> choices;
  Sample sample;
  std::vector<RgbImage> images;
  // The images' files, when the question was read from a benchmark: a served model can be sent
  // the files' own bytes, with no decoding (images may then be empty).
  std::vector<std::string> imageFiles;

  // The truth is stored once, as the sample's gt_value in its released form; these read it the
  // way `mspa score` does. A question about an untracked point has none (only a model answers).
  bool hasTruth() const { return !sample.gtValue.is_null(); }
  // An empty value of the task's kind when there is none or gt_value cannot be read.
  AnswerValue truth() const;
};

// Builds questions with ground truth from a scene's geometry (../shared/docs/multispa.md §3-4):
// depth = round(z mm), normalized coordinates with round, camera motion from inv(E1)·E2 with
// truncated mm and degrees, vectors in first-camera coordinates (gt_value in metres, answers in
// mm), "did not move" under 1 cm.
class QuestionBuilder {
 public:
  explicit QuestionBuilder(const Scene& scene, std::uint32_t seed = 0);

  // Empty when the scene has what the subtask needs; otherwise the reason (no depth, no poses, no
  // tracks, no labelled objects, too few frames).
  std::string unsupportedReason(const TaskInfo& task) const;

  // Nullopt with `whyNot` set when the spec cannot be answered (a pixel without depth, a point not
  // visible in the other frame, ...). Sampling retries before giving up.
  std::optional<Question> build(const QuestionSpec& spec, std::string& whyNot);

  // The object-movement question `subtask` about a pixel of frame `from` that no track follows
  // (a robot episode with frames only): it needs nothing but the two frames' images, and has no
  // truth (empty answer, null gt_value), so only a model can answer it.
  std::optional<Question> buildUntrackedMovement(const std::string& subtask, int from, int to,
                                                 const Eigen::Vector2d& pixel, std::string& whyNot);

 private:
  const DepthImage& depth(int frame);
  const RgbImage& color(int frame);
  std::optional<Eigen::Vector2d> randomPixelWithDepth(int frame);
  std::string imageName(int frame) const;
  Eigen::Vector2i frameSize(int frame);
  std::optional<std::vector<int>> chooseFrames(const QuestionSpec& spec, std::size_t count,
                                               std::string& whyNot);

  // One builder per task family; each fills `q` or says why not.
  bool buildDepth(Question& q, const QuestionSpec& spec, std::string& whyNot);
  bool buildDepthComparison(Question& q, const QuestionSpec& spec, std::string& whyNot);
  bool buildCorrespondence(Question& q, const QuestionSpec& spec, std::string& whyNot);
  bool buildCameraMotion(Question& q, std::string& whyNot);
  bool buildObjectSize(Question& q, const QuestionSpec& spec, std::string& whyNot);
  bool buildObjectMovement(Question& q, const QuestionSpec& spec, std::string& whyNot);
  void finish(Question& q, const std::map<std::string, std::string>& fields,
              const std::vector<bool>& annotated);

  const Scene& scene_;
  std::mt19937 rng_;
  std::map<int, DepthImage> depths_;
  std::map<int, RgbImage> colors_;
  std::size_t counter_ = 0;
};

}  // namespace mspa
