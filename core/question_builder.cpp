#include "core/question_builder.h"

#include <algorithm>
#include <cmath>

#include "core/annotate.h"
#include "core/geometry.h"
#include "core/input_error.h"
#include "core/scorer.h"

namespace mspa {
namespace {

constexpr int kAttempts = 200;

std::string fill(std::string text, const std::map<std::string, std::string>& fields) {
  for (const auto& [key, value] : fields) {
    const std::string placeholder = "{" + key + "}";
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

// The data engine's truncation to whole units (Python int()).
long long truncated(double v) {
  return static_cast<long long>(v);
}

// The value the canonical answer states: the truth, with vectors in whole millimetres truncated
// as the data engine's int() does (gt_value keeps them in metres).
AnswerValue statedValue(const Question& q) {
  AnswerValue value = q.truth();
  if (value.kind == AnswerKind::VectorMm)
    value.number = value.number.unaryExpr([](double v) { return std::trunc(v); });
  return value;
}

// A colour far from the previous ones, like the engine's generate_distinct_colors.
Rgb8 distinctColor(std::mt19937& rng, const std::vector<Rgb8>& taken) {
  std::uniform_int_distribution<int> channel(0, 255);
  for (int attempt = 0; attempt < 50; ++attempt) {
    const Rgb8 c{static_cast<std::uint8_t>(channel(rng)), static_cast<std::uint8_t>(channel(rng)),
                 static_cast<std::uint8_t>(channel(rng))};
    const bool far = std::all_of(taken.begin(), taken.end(), [&](const Rgb8& t) {
      return std::abs(c[0] - t[0]) + std::abs(c[1] - t[1]) + std::abs(c[2] - t[2]) > 300;
    });
    if (far) return c;
  }
  return {255, 0, 0};
}

}  // namespace

AnswerValue Question::truth() const {
  std::string unreadable;
  if (hasTruth()) {
    if (auto read = truthOf(sample, unreadable)) return read->value;
  }
  AnswerValue none;
  if (task) none.kind = task->answer;
  return none;
}

QuestionBuilder::QuestionBuilder(const Scene& scene, std::uint32_t seed)
    : scene_(scene), rng_(seed) {}

std::string QuestionBuilder::unsupportedReason(const TaskInfo& task) const {
  const auto posed = std::count_if(scene_.frames.begin(), scene_.frames.end(),
                                   [](const Frame& f) { return f.hasGeometry(); });
  const auto withDepth =
      std::count_if(scene_.frames.begin(), scene_.frames.end(),
                    [](const Frame& f) { return f.hasGeometry() && f.hasDepth(); });
  if (static_cast<int>(scene_.frames.size()) < task.frames)
    return "the scene has fewer frames than the task needs";
  switch (taskFamily(task)) {
    case TaskFamily::Depth:
    case TaskFamily::DepthComparison:
      return withDepth == 0 ? "no frame has depth and intrinsics" : "";
    case TaskFamily::Correspondence:
      return withDepth == 0 || posed < 2 ? "needs two posed frames, one with depth" : "";
    case TaskFamily::CameraMotion:
      return posed < 2 ? "needs two frames with camera poses" : "";
    case TaskFamily::ObjectSize:
      if (scene_.instances.empty()) return "the scene has no labelled objects";
      return posed < 2 ? "needs two posed frames that show the object" : "";
    case TaskFamily::ObjectMovement:
      if (scene_.tracks.empty()) return "the scene has no point tracks";
      return posed < 2 ? "needs two posed frames" : "";
  }
  return {};
}

const DepthImage& QuestionBuilder::depth(int frame) {
  auto it = depths_.find(frame);
  if (it == depths_.end()) {
    const Frame& f = scene_.frames[frame];
    it = depths_.emplace(frame, f.hasDepth() ? loadDepth(f) : DepthImage{}).first;
  }
  return it->second;
}

const RgbImage& QuestionBuilder::color(int frame) {
  auto it = colors_.find(frame);
  if (it == colors_.end())
    it = colors_.emplace(frame, loadColor(scene_, scene_.frames[frame])).first;
  return it->second;
}

std::string QuestionBuilder::imageName(int frame) const {
  return scene_.name + "/" + scene_.frames[frame].name + ".jpg";
}

std::optional<Eigen::Vector2d> QuestionBuilder::randomPixelWithDepth(int frame) {
  const Intrinsics& k = *scene_.frames[frame].intrinsics;
  const int margin = std::min({50, k.width / 10, k.height / 10});
  std::uniform_int_distribution<int> x(margin, k.width - 1 - margin),
      y(margin, k.height - 1 - margin);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const Eigen::Vector2d p(x(rng_), y(rng_));
    if (depthAt(depth(frame), k, p) > 0) return p;
  }
  return std::nullopt;
}

std::optional<std::vector<int>> QuestionBuilder::chooseFrames(const QuestionSpec& spec,
                                                              std::size_t count,
                                                              std::string& whyNot) {
  std::vector<int> frames = spec.frames;
  const int n = static_cast<int>(scene_.frames.size());
  if (frames.empty()) {
    std::vector<int> usable;
    for (int i = 0; i < n; ++i) {
      if (scene_.frames[i].hasGeometry()) usable.push_back(i);
    }
    if (usable.size() < count) {
      whyNot = "not enough posed frames";
      return std::nullopt;
    }
    std::shuffle(usable.begin(), usable.end(), rng_);
    frames.assign(usable.begin(), usable.begin() + static_cast<long>(count));
  }
  if (frames.size() != count) {
    whyNot = "this task needs " + std::to_string(count) + " frame(s)";
    return std::nullopt;
  }
  for (int f : frames) {
    if (f < 0 || f >= n) {
      whyNot = "frame " + std::to_string(f) + " does not exist";
      return std::nullopt;
    }
    if (!scene_.frames[f].hasGeometry()) {
      whyNot = "frame " + scene_.frames[f].name + " has no pose or intrinsics";
      return std::nullopt;
    }
  }
  return frames;
}

std::optional<Question> QuestionBuilder::build(const QuestionSpec& spec, std::string& whyNot) {
  Question q;
  q.task = findSubtask(spec.subtask);
  if (!q.task) q.task = findTask(spec.subtask);
  if (!q.task) {
    whyNot = "unknown subtask '" + spec.subtask + "'";
    return std::nullopt;
  }
  if (const std::string reason = unsupportedReason(*q.task); !reason.empty()) {
    whyNot = reason;
    return std::nullopt;
  }
  const auto frames = chooseFrames(spec, static_cast<std::size_t>(q.task->frames), whyNot);
  if (!frames) return std::nullopt;
  q.frames = *frames;
  const bool swap = spec.swapFrames.value_or(std::uniform_int_distribution<int>(0, 1)(rng_) == 1);
  if (q.task->frames == 2 && spec.frames.empty() && swap) std::swap(q.frames[0], q.frames[1]);
  try {
    bool ok = false;
    switch (taskFamily(*q.task)) {
      case TaskFamily::Depth:
        ok = buildDepth(q, spec, whyNot);
        break;
      case TaskFamily::DepthComparison:
        ok = buildDepthComparison(q, spec, whyNot);
        break;
      case TaskFamily::Correspondence:
        ok = buildCorrespondence(q, spec, whyNot);
        break;
      case TaskFamily::CameraMotion:
        ok = buildCameraMotion(q, whyNot);
        break;
      case TaskFamily::ObjectSize:
        ok = buildObjectSize(q, spec, whyNot);
        break;
      case TaskFamily::ObjectMovement:
        ok = buildObjectMovement(q, spec, whyNot);
        break;
    }
    if (!ok) return std::nullopt;
  } catch (const InputError& e) {
    whyNot = e.what();
    return std::nullopt;
  }
  return q;
}

Eigen::Vector2i QuestionBuilder::frameSize(int frame) {
  if (const auto& k = scene_.frames[frame].intrinsics) return {k->width, k->height};
  const RgbImage& image = color(frame);
  return {image.width, image.height};
}

std::optional<Question> QuestionBuilder::buildUntrackedMovement(const std::string& subtask,
                                                                int from, int to,
                                                                const Eigen::Vector2d& pixel,
                                                                std::string& whyNot) {
  Question q;
  q.task = findSubtask(subtask);
  if (!q.task || taskFamily(*q.task) != TaskFamily::ObjectMovement) {
    whyNot = "'" + subtask + "' is not an object-movement subtask";
    return std::nullopt;
  }
  const int frames = static_cast<int>(scene_.frames.size());
  if (from < 0 || to < 0 || from >= frames || to >= frames || from == to) {
    whyNot = "needs two different frames of the scene";
    return std::nullopt;
  }
  try {
    q.frames = {from, to};
    const Eigen::Vector2i size = frameSize(from);
    if (pixel.x() < 0 || pixel.y() < 0 || pixel.x() > size.x() - 1 || pixel.y() > size.y() - 1) {
      whyNot = "the point lies outside frame " + scene_.frames[from].name;
      return std::nullopt;
    }
    const Eigen::Vector2i n = normalizedCoordinates(pixel, size.x(), size.y());
    q.points = {pixel};
    q.sample.fields["p1"] = {n.x(), n.y()};
    const bool dot = q.task->referencing == Referencing::Dot;
    if (dot) {
      q.images = {color(from), color(to)};
      drawDot(q.images[0], pixel, distinctColor(rng_, {}));
    }
    finish(q, {{"x1", std::to_string(n.x())}, {"y1", std::to_string(n.y())}}, {dot, false});
  } catch (const InputError& e) {
    whyNot = e.what();
    return std::nullopt;
  }
  q.sample.answer.clear();
  q.sample.gtValue = nullptr;
  return q;
}

void QuestionBuilder::finish(Question& q, const std::map<std::string, std::string>& fields,
                             const std::vector<bool>& annotated) {
  const TaskInfo& t = *q.task;
  Sample& s = q.sample;
  s.id = scene_.name + "_" + t.subtask + "_" + std::to_string(counter_++);
  s.questionType = t.questionType;
  s.prompt = fill(t.taskDescription + "\n" + t.question, fields);
  for (std::size_t i = 0; i < q.frames.size(); ++i) {
    const Eigen::Vector2i size = frameSize(q.frames[i]);
    s.widths.push_back(size.x());
    s.heights.push_back(size.y());
    const std::string name = imageName(q.frames[i]);
    s.images.push_back(i < annotated.size() && annotated[i]
                           ? name.substr(0, name.size() - 4) + "_" + s.id + ".jpg"
                           : name);
    if (q.images.size() <= i) q.images.push_back(color(q.frames[i]));
  }
  if (!s.fields.is_object()) s.fields = nlohmann::json::object();
  s.fields["scene"] = scene_.name;
  s.fields["frames"] = q.frames;
  s.fields["subtask"] = t.subtask;
  auto withValue = fields;  // the truth reads the image sizes of coordinate answers
  withValue["value"] = formatAnswerValue(statedValue(q));
  s.answer = fill(t.answerTemplate, withValue);
}

bool QuestionBuilder::buildDepth(Question& q, const QuestionSpec& spec, std::string& whyNot) {
  const int f = q.frames[0];
  const Intrinsics& k = *scene_.frames[f].intrinsics;
  std::optional<Eigen::Vector2d> p =
      spec.points.empty() ? randomPixelWithDepth(f) : std::optional(spec.points[0]);
  const double d = p ? depthAt(depth(f), k, *p) : 0;
  if (!p || d <= 0) {
    whyNot = "no depth at the point";
    return false;
  }
  q.points = {*p};
  q.sample.gtValue = std::lround(d * 1000);
  const Eigen::Vector2i n = normalizedCoordinates(*p, k.width, k.height);
  q.sample.fields["ori_coordinates"] = {std::lround(p->x()), std::lround(p->y())};
  const bool dot = q.task->referencing == Referencing::Dot;
  if (dot) {
    q.images = {color(f)};
    drawDot(q.images[0], *p, distinctColor(rng_, {}));
  }
  finish(q, {{"x1", std::to_string(n.x())}, {"y1", std::to_string(n.y())}}, {dot});
  return true;
}

bool QuestionBuilder::buildDepthComparison(Question& q, const QuestionSpec& spec,
                                           std::string& whyNot) {
  const int f = q.frames[0];
  const Intrinsics& k = *scene_.frames[f].intrinsics;
  std::vector<Eigen::Vector2d> points = spec.points;
  for (int attempt = 0; points.size() < 2 && attempt < kAttempts; ++attempt) {
    const auto a = randomPixelWithDepth(f), b = randomPixelWithDepth(f);
    if (a && b &&
        std::lround(depthAt(depth(f), k, *a) * 1000) !=
            std::lround(depthAt(depth(f), k, *b) * 1000))
      points = {*a, *b};
  }
  if (points.size() != 2) {
    whyNot = "needs two points with different depths";
    return false;
  }
  const long long d0 = std::lround(depthAt(depth(f), k, points[0]) * 1000),
                  d1 = std::lround(depthAt(depth(f), k, points[1]) * 1000);
  if (d0 <= 0 || d1 <= 0 || d0 == d1) {
    whyNot = "the two points need depth, and different depths";
    return false;
  }
  const bool closer = spec.closer.value_or(std::uniform_int_distribution<int>(0, 1)(rng_) == 1);
  const int chosen = (d0 < d1) == closer ? 0 : 1;
  q.points = points;
  const Eigen::Vector2i n0 = normalizedCoordinates(points[0], k.width, k.height),
                        n1 = normalizedCoordinates(points[1], k.width, k.height);
  std::map<std::string, std::string> fields = {
      {"closer_farther", closer ? "closer to" : "farther from"},
      {"x1", std::to_string(n0.x())},
      {"y1", std::to_string(n0.y())},
      {"x2", std::to_string(n1.x())},
      {"y2", std::to_string(n1.y())}};
  q.sample.fields["is_closer_question"] = closer;
  q.sample.fields["points_info"] = {{{"x", n0.x()}, {"y", n0.y()}, {"depth", d0}},
                                    {{"x", n1.x()}, {"y", n1.y()}, {"depth", d1}}};
  const bool dot = q.task->referencing == Referencing::Dot;
  if (dot) {
    const std::string letters = std::uniform_int_distribution<int>(0, 1)(rng_) ? "AB" : "BA";
    q.images = {color(f)};
    std::vector<Rgb8> used;
    for (int i = 0; i < 2; ++i) {
      used.push_back(distinctColor(rng_, used));
      drawLabeledDot(q.images[0], points[i], std::string(1, letters[i]), used.back());
      q.choices.push_back({std::string(1, letters[i]), 0, points[i]});
    }
    q.sample.gtValue = std::string(1, letters[chosen]);
  } else {
    const Eigen::Vector2i& n = chosen == 0 ? n0 : n1;
    q.sample.gtValue = {n.x(), n.y()};
  }
  finish(q, fields, {dot});
  return true;
}

bool QuestionBuilder::buildCorrespondence(Question& q, const QuestionSpec& spec,
                                          std::string& whyNot) {
  const int a = q.frames[0], b = q.frames[1];
  const Frame& fa = scene_.frames[a];
  const Frame& fb = scene_.frames[b];
  if (depth(a).empty()) {
    whyNot = "frame " + fa.name + " has no depth";
    return false;
  }
  std::optional<Reprojection> hit;
  Eigen::Vector2d p;
  for (int attempt = 0; !hit && attempt < (spec.points.empty() ? kAttempts : 1); ++attempt) {
    const auto candidate =
        spec.points.empty() ? randomPixelWithDepth(a) : std::optional(spec.points[0]);
    if (!candidate) break;
    p = *candidate;
    auto r = reprojectPixel(fa, depth(a), p, fb, depth(b).empty() ? nullptr : &depth(b));
    if (r && r->visibility == Visibility::Visible) hit = r;
  }
  if (!hit) {
    whyNot = "the point is not visible in frame " + fb.name;
    return false;
  }
  const Intrinsics& ka = *fa.intrinsics;
  const Intrinsics& kb = *fb.intrinsics;
  q.points = {p};
  const Eigen::Vector2i n1 = normalizedCoordinates(p, ka.width, ka.height);
  const Eigen::Vector2i n2 = normalizedCoordinates(hit->pixel, kb.width, kb.height);
  q.sample.fields["p1_list"] = {{n1.x(), n1.y()}};
  q.sample.fields["p2_list"] = {{n2.x(), n2.y()}};
  if (q.task->answer == AnswerKind::Coordinate) {
    q.sample.gtValue = {n2.x(), n2.y()};
    finish(q, {{"x1", std::to_string(n1.x())}, {"y1", std::to_string(n1.y())}}, {false, false});
    return true;
  }
  // Multiple choice, easy setting: three distractors spread over image 2, away from the truth.
  std::vector<Eigen::Vector2d> options = {hit->pixel};
  std::uniform_real_distribution<double> x(20, kb.width - 20), y(20, kb.height - 20);
  for (int attempt = 0; options.size() < 4 && attempt < kAttempts * 10; ++attempt) {
    const Eigen::Vector2d c(x(rng_), y(rng_));
    if (std::all_of(options.begin(), options.end(),
                    [&](const Eigen::Vector2d& o) { return (o - c).norm() > 0.15 * kb.width; })) {
      options.push_back(c);
    }
  }
  if (options.size() < 4) {
    whyNot = "no room for three distractors in frame " + fb.name;
    return false;
  }
  std::vector<int> order = {0, 1, 2, 3};
  std::shuffle(order.begin(), order.end(), rng_);
  q.images = {color(a), color(b)};
  std::vector<Rgb8> used = {distinctColor(rng_, {})};
  drawDot(q.images[0], p, used[0]);
  for (int slot = 0; slot < 4; ++slot) {
    used.push_back(distinctColor(rng_, used));
    drawLabeledDot(q.images[1], options[order[slot]], std::string(1, static_cast<char>('A' + slot)),
                   used.back());
    q.choices.push_back({std::string(1, static_cast<char>('A' + slot)), 1, options[order[slot]]});
    if (order[slot] == 0) q.sample.gtValue = std::string(1, static_cast<char>('A' + slot));
  }
  finish(q, {}, {true, true});
  return true;
}

bool QuestionBuilder::buildCameraMotion(Question& q, std::string&) {
  const Pose& e1 = *scene_.frames[q.frames[0]].cameraToWorld;
  const Pose& e2 = *scene_.frames[q.frames[1]].cameraToWorld;
  const Eigen::Vector3d t = relativePose(e1, e2).translation();
  const YawPitch a = yawPitchDegrees(e1), b = yawPitchDegrees(e2);
  const double yaw = wrapDegrees(b.yaw - a.yaw), pitch = b.pitch - a.pitch;
  const std::string& type = q.task->questionType;
  nlohmann::json values = {{"x_movement", t.x() > 0 ? "right" : "left"},
                           {"y_movement", t.y() > 0 ? "down" : "up"},
                           {"z_movement", t.z() > 0 ? "forward" : "backward"},
                           {"yaw_movement", yaw > 0 ? "left" : "right"},
                           {"pitch_movement", pitch > 0 ? "up" : "down"},
                           {"yaw_angle", truncated(std::abs(yaw))},
                           {"pitch_angle", truncated(std::abs(pitch))},
                           {"total_distance", truncated(t.norm() * 1000)},
                           {"displacement_vector", {t.x(), t.y(), t.z()}}};
  q.sample.fields["answer_values"] = values;
  q.sample.gtValue = values[type];
  finish(q, {}, {false, false});
  return true;
}

bool QuestionBuilder::buildObjectSize(Question& q, const QuestionSpec& spec, std::string& whyNot) {
  const int count = static_cast<int>(scene_.instances.size());
  const int k =
      spec.instance >= 0 ? spec.instance : std::uniform_int_distribution<int>(0, count - 1)(rng_);
  if (k >= count) {
    whyNot = "object " + std::to_string(k) + " does not exist";
    return false;
  }
  const ObjectInstance& object = scene_.instances[k];
  const Eigen::Vector3d centre = ((object.box.min + object.box.max) / 2).cast<double>();
  for (int f : q.frames) {
    const Frame& frame = scene_.frames[f];
    if (visibility(centre, *frame.intrinsics, *frame.cameraToWorld, nullptr) !=
        Visibility::Visible) {
      whyNot = "the " + object.label + " is not in view in frame " + frame.name;
      return false;
    }
  }
  const Eigen::Vector3f extent = object.box.extent();
  const double height = extent.z(), length = std::max(extent.x(), extent.y()),
               width = std::min(extent.x(), extent.y());
  const ObjectDimension asked = q.task->dimension;
  const double value = asked == ObjectDimension::Height   ? height
                       : asked == ObjectDimension::Length ? length
                                                          : width;
  q.sample.gtValue = truncated(value * 1000);
  q.sample.fields["object_id"] = object.id;
  q.sample.fields["category"] = object.label;
  finish(q, {{"category", object.label}}, {false, false});
  return true;
}

bool QuestionBuilder::buildObjectMovement(Question& q, const QuestionSpec& spec,
                                          std::string& whyNot) {
  const int count = static_cast<int>(scene_.tracks.size());
  const bool sampled = spec.track < 0;
  const int a = q.frames[0], b = q.frames[1];
  int k = spec.track;
  for (int attempt = 0; sampled && attempt < kAttempts; ++attempt) {
    const int candidate = std::uniform_int_distribution<int>(0, count - 1)(rng_);
    if (scene_.tracks[candidate].visible[a] && scene_.tracks[candidate].visible[b]) {
      k = candidate;
      break;
    }
  }
  if (k < 0 || k >= count || !scene_.tracks[k].visible[a] || !scene_.tracks[k].visible[b]) {
    whyNot = "no tracked point is visible in both frames";
    return false;
  }
  const PointTrack& track = scene_.tracks[k];
  const Pose& e1 = *scene_.frames[a].cameraToWorld;
  const Eigen::Vector3d displacement =
      e1.linear().transpose() * (track.positions[b] - track.positions[a]);
  const bool moving = displacement.norm() >= kDidNotMoveMetres;
  const Intrinsics& k1 = *scene_.frames[a].intrinsics;
  const Eigen::Vector2d p = project(k1, e1.inverse() * track.positions[a]);
  const Eigen::Vector2i n = normalizedCoordinates(p, k1.width, k1.height);
  q.points = {p};
  q.sample.fields["point_moving"] = moving ? 1 : 0;
  q.sample.fields["cam_moving"] =
      relativePose(e1, *scene_.frames[b].cameraToWorld).translation().norm() >= kDidNotMoveMetres
          ? 1
          : 0;
  q.sample.fields["p1"] = {n.x(), n.y()};
  q.sample.fields["track"] = k;
  if (q.task->answer == AnswerKind::Millimetres) {
    q.sample.gtValue = truncated(displacement.norm() * 1000);
  } else {
    q.sample.gtValue = {displacement.x(), displacement.y(),
                        displacement.z()};  // metres, as released
  }
  const bool dot = q.task->referencing == Referencing::Dot;
  if (dot) {
    q.images = {color(a), color(b)};
    drawDot(q.images[0], p, distinctColor(rng_, {}));
  }
  finish(q, {{"x1", std::to_string(n.x())}, {"y1", std::to_string(n.y())}}, {dot, false});
  if (!moving) q.sample.answer = "The point did not move. " + q.sample.answer;
  return true;
}

}  // namespace mspa
