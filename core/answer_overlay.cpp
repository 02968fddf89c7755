#include "core/answer_overlay.h"

#include <Eigen/Geometry>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "core/geometry.h"
#include "core/json_file.h"
#include "core/opencv_image.h"

namespace mspa {
namespace {

using Role = OverlayRole;

class OverlayBuilder {
 public:
  OverlayBuilder(const Scene& scene, const Question& q, const AskOutcome& outcome)
      : scene_(scene),
        q_(q),
        truth_(q.truth()),
        parsed_(outcome.parsed.ok),
        predicted_(outcome.parsed.value) {}

  const Frame& frame(int image) const { return scene_.frames[q_.frames[image]]; }
  const Intrinsics& k(int image) const { return *frame(image).intrinsics; }
  const Pose& pose(int image) const { return *frame(image).cameraToWorld; }
  const AnswerValue& truth() const { return truth_; }
  bool parsed() const { return parsed_; }
  const AnswerValue& predicted() const { return predicted_; }

  Eigen::Vector2d pixelOf(const AnswerValue& coordinate, int image) const {
    const Eigen::Vector2i n(static_cast<int>(std::lround(coordinate.number.x())),
                            static_cast<int>(std::lround(coordinate.number.y())));
    return pixelFromNormalized(n, k(image).width, k(image).height);
  }
  Eigen::Vector3d worldAt(int image, const Eigen::Vector2d& pixel, double metres) const {
    return pose(image) * unproject(k(image), pixel, metres);
  }
  // A choice by letter, or null.
  const Question::Choice* choice(const std::string& letter) const {
    for (const auto& c : q_.choices) {
      if (c.letter == letter) return &c;
    }
    return nullptr;
  }
  // A world segment drawn on every image where both ends are in front of the camera.
  void project(AnswerOverlay& o, const Eigen::Vector3d& from, const Eigen::Vector3d& to, Role role,
               bool arrow) const {
    for (int image = 0; image < static_cast<int>(q_.frames.size()); ++image) {
      const Eigen::Vector3d a = pose(image).inverse() * from, b = pose(image).inverse() * to;
      if (a.z() > 0.05 && b.z() > 0.05)
        o.segments.push_back(
            {image, image, mspa::project(k(image), a), mspa::project(k(image), b), role, arrow});
    }
  }

 private:
  const Scene& scene_;
  const Question& q_;
  AnswerValue truth_;
  bool parsed_;
  AnswerValue predicted_;
};

std::string withUnit(const AnswerValue& v) {
  const std::string text = formatAnswerValue(v);
  switch (v.kind) {
    case AnswerKind::Millimetres:
    case AnswerKind::VectorMm:
      return text + " mm";
    case AnswerKind::Degrees:
      return text + " deg";
    default:
      return text;
  }
}

void depthOverlay(const OverlayBuilder& b, const Question& q, AnswerOverlay& o) {
  const Eigen::Vector2d p = q.points.at(0);
  o.marks.push_back({0, p, Role::Query, "", 0});
  const Eigen::Vector3d centre = b.pose(0).translation();
  const Eigen::Vector3d truth = b.worldAt(0, p, b.truth().number.x() / 1000);
  o.points.push_back({truth, Role::Truth, withUnit(b.truth())});
  Eigen::Vector3d far = truth;
  if (b.parsed()) {
    const Eigen::Vector3d predicted = b.worldAt(0, p, b.predicted().number.x() / 1000);
    o.points.push_back({predicted, Role::Prediction, withUnit(b.predicted())});
    if ((predicted - centre).norm() > (far - centre).norm()) far = predicted;
  }
  o.arrows.push_back({centre, far, Role::Query});  // the pixel's ray
}

// The pixel an answer points at: a letter's choice, or a coordinate in image `image`.
std::optional<Eigen::Vector2d> answeredPixel(const OverlayBuilder& b, const AnswerValue& v,
                                             int image) {
  if (v.kind == AnswerKind::Letter) {
    const auto* c = b.choice(v.text);
    return c ? std::optional(c->pixel) : std::nullopt;
  }
  if (v.kind == AnswerKind::Coordinate) return b.pixelOf(v, image);
  return std::nullopt;
}

void depthComparisonOverlay(const OverlayBuilder& b, const Question& q, AnswerOverlay& o) {
  const auto& info = q.sample.fields.value("points_info", nlohmann::json::array());
  for (std::size_t i = 0; i < q.points.size(); ++i) {
    const std::string letter = i < q.choices.size() ? q.choices[i].letter : "";
    o.marks.push_back({0, q.points[i], Role::Query, letter, 0});
    if (i < info.size()) {
      const double mm = info[i].value("depth", 0.0);
      o.points.push_back(
          {b.worldAt(0, q.points[i], mm / 1000), Role::Query,
           (letter.empty() ? "" : letter + ": ") + std::to_string(std::lround(mm)) + " mm"});
    }
  }
  if (const auto t = answeredPixel(b, b.truth(), 0))
    o.marks.push_back({0, *t, Role::Truth, "", 14});
  if (b.parsed()) {
    if (const auto p = answeredPixel(b, b.predicted(), 0))
      o.marks.push_back({0, *p, Role::Prediction, "", 22});
  }
}

void correspondenceOverlay(const OverlayBuilder& b, const Question& q, AnswerOverlay& o) {
  const Eigen::Vector2d source = q.points.at(0);
  o.marks.push_back({0, source, Role::Query, "", 0});
  for (const auto& c : q.choices) o.marks.push_back({c.image, c.pixel, Role::Query, c.letter, 0});
  const auto truth = answeredPixel(b, b.truth(), 1);
  if (truth) {
    o.marks.push_back(
        {1, *truth, Role::Truth, "", b.truth().kind == AnswerKind::Letter ? 14.0 : 0.0});
    if (b.truth().kind == AnswerKind::Coordinate)
      o.marks.push_back({1, *truth, Role::Tolerance, "", 0.05 * b.k(1).width});
    o.segments.push_back({0, 1, source, *truth, Role::Truth, false});
  }
  if (b.parsed()) {
    if (const auto p = answeredPixel(b, b.predicted(), 1)) {
      o.marks.push_back(
          {1, *p, Role::Prediction, "", b.predicted().kind == AnswerKind::Letter ? 22.0 : 0.0});
      o.segments.push_back({0, 1, source, *p, Role::Prediction, false});
    }
  }
  // In 3D: the source point, and where each answered pixel of image 2 lies at the source's depth.
  const DepthImage depth = loadDepth(b.frame(0));
  const double metres = depth.empty() ? 0 : depthAt(depth, b.k(0), source);
  if (metres <= 0) return;
  const Eigen::Vector3d world = b.worldAt(0, source, metres);
  o.points.push_back({world, Role::Truth, ""});
  const double along = (b.pose(1).inverse() * world).z();
  if (b.parsed() && along > 0) {
    if (const auto p = answeredPixel(b, b.predicted(), 1))
      o.points.push_back({b.worldAt(1, *p, along), Role::Prediction, ""});
  }
}

// Camera-1 direction for a movement word: right +x, down +y, forward +z; yaw and pitch turn the
// forward axis by 30 degrees.
Eigen::Vector3d directionOf(const std::string& word, CameraTurn turn) {
  const double angle = 30.0 * M_PI / 180;
  if (turn == CameraTurn::Yaw)
    return Eigen::Vector3d(word == "left" ? -std::sin(angle) : std::sin(angle), 0, std::cos(angle));
  if (turn == CameraTurn::Pitch)
    return Eigen::Vector3d(0, word == "up" ? -std::sin(angle) : std::sin(angle), std::cos(angle));
  if (word == "left") return -Eigen::Vector3d::UnitX();
  if (word == "right") return Eigen::Vector3d::UnitX();
  if (word == "up") return -Eigen::Vector3d::UnitY();
  if (word == "down") return Eigen::Vector3d::UnitY();
  return Eigen::Vector3d(0, 0, word == "backward" ? -1 : 1);
}

void cameraOverlay(const OverlayBuilder& b, const Question& q, AnswerOverlay& o) {
  const Pose& first = b.pose(0);
  const Pose& second = b.pose(1);
  o.cameras.push_back({first, b.k(0), Role::Query});
  o.cameras.push_back({second, b.k(1), Role::Truth});
  const Eigen::Vector3d moved = second.translation() - first.translation();
  const AnswerValue& t = b.truth();
  if (t.kind == AnswerKind::Word) {
    const double length = std::max(0.3, moved.norm());
    const auto arrowFor = [&](const std::string& word, Role role) {
      const Eigen::Vector3d d = directionOf(word, q.task->turn);
      o.arrows.push_back({first.translation(), first * (d * length), role});
      const Eigen::Vector2d centre(b.k(0).width / 2.0, b.k(0).height / 2.0);
      const Eigen::Vector2d screen = Eigen::Vector2d(d.x(), d.y() - (d.z() > 0.9    ? 0.5
                                                                     : d.z() < -0.9 ? -0.5
                                                                                    : 0))
                                         .normalized();
      o.segments.push_back({0, 0, centre, centre + screen * 0.25 * b.k(0).width, role, true});
    };
    arrowFor(t.text, Role::Truth);
    if (b.parsed()) arrowFor(b.predicted().text, Role::Prediction);
    return;
  }
  if (!b.parsed()) return;
  Pose predicted = second;
  const double value = b.predicted().number.x();
  if (t.kind == AnswerKind::VectorMm) {
    predicted.translation() = first * (b.predicted().number / 1000);
  } else if (t.kind == AnswerKind::Millimetres) {
    const Eigen::Vector3d direction =
        moved.norm() > 1e-9 ? moved.normalized() : Eigen::Vector3d(first.linear().col(0));
    predicted.translation() = first.translation() + direction * value / 1000;
  } else if (t.kind == AnswerKind::Degrees) {
    // Turn the true second camera about the first camera's vertical (or horizontal) axis by the
    // angle's error, in the direction the camera really turned.
    const bool pitch = q.task->turn == CameraTurn::Pitch;
    const auto values = q.sample.fields.value("answer_values", nlohmann::json::object());
    const bool negative = pitch ? values.value("pitch_movement", "") == "up"
                                : values.value("yaw_movement", "") == "left";
    const double error = (value - t.number.x()) * M_PI / 180 * (negative ? -1 : 1);
    const Eigen::Vector3d axis =
        first.linear() * (pitch ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY());
    predicted.linear() = Eigen::AngleAxisd(error, axis).toRotationMatrix() * second.linear();
  }
  o.cameras.push_back({predicted, b.k(1), Role::Prediction});
  o.arrows.push_back({first.translation(), second.translation(), Role::Truth});
  o.arrows.push_back({first.translation(), predicted.translation(), Role::Prediction});
}

void sizeOverlay(const OverlayBuilder& b, const Question& q, const Scene& scene, AnswerOverlay& o) {
  const int id =
      jsonIntegerOr(q.sample.fields, "object_id", -1, 0, std::numeric_limits<int>::max());
  const auto object = std::find_if(scene.instances.begin(), scene.instances.end(),
                                   [&](const ObjectInstance& i) { return i.id == id; });
  if (object == scene.instances.end()) return;
  o.boxes.push_back({object->box, Role::Truth});
  const Eigen::Vector3f lo = object->box.min, hi = object->box.max;
  for (int edge = 0; edge < 12; ++edge) {
    // The 12 edges: 4 along each axis; corners indexed by bits (x, y, z).
    const int axis = edge / 4, bits = edge % 4;
    const auto corner = [&](int along) {
      int mask[3];
      mask[axis] = along;
      mask[(axis + 1) % 3] = bits & 1;
      mask[(axis + 2) % 3] = (bits >> 1) & 1;
      return Eigen::Vector3d(mask[0] ? hi.x() : lo.x(), mask[1] ? hi.y() : lo.y(),
                             mask[2] ? hi.z() : lo.z());
    };
    b.project(o, corner(0), corner(1), Role::Truth, false);
  }
  if (!b.parsed() || b.truth().number.x() <= 0) return;
  // The predicted box: the truth's, with the asked dimension scaled to the prediction.
  const Eigen::Vector3f extent = object->box.extent();
  const ObjectDimension asked = q.task->dimension;
  const int axis = asked == ObjectDimension::Height   ? 2
                   : asked == ObjectDimension::Length ? (extent.x() >= extent.y() ? 0 : 1)
                                                      : (extent.x() >= extent.y() ? 1 : 0);
  const float scale = static_cast<float>(b.predicted().number.x() / b.truth().number.x());
  Bounds predicted = object->box;
  const float centre = (predicted.min[axis] + predicted.max[axis]) / 2,
              half = extent[axis] / 2 * scale;
  predicted.min[axis] = axis == 2 ? predicted.min[axis] : centre - half;
  predicted.max[axis] = axis == 2 ? predicted.min[axis] + 2 * half : centre + half;
  o.boxes.push_back({predicted, Role::Prediction});
}

void movementOverlay(const OverlayBuilder& b, const Question& q, const Scene& scene,
                     AnswerOverlay& o) {
  const int k = jsonIntegerOr(q.sample.fields, "track", -1, 0, std::numeric_limits<int>::max());
  if (k < 0 || k >= static_cast<int>(scene.tracks.size())) return;
  const PointTrack& track = scene.tracks[k];
  const Eigen::Vector3d start = track.positions[q.frames[0]], end = track.positions[q.frames[1]];
  o.marks.push_back({0, q.points.at(0), Role::Query, "", 0});
  o.points.push_back({start, Role::Query, track.label});
  o.arrows.push_back({start, end, Role::Truth});
  b.project(o, start, end, Role::Truth, true);
  if (!b.parsed()) return;
  Eigen::Vector3d predicted = start;
  if (b.truth().kind == AnswerKind::VectorMm) {
    predicted = start + b.pose(0).linear() * (b.predicted().number / 1000);
  } else {
    const Eigen::Vector3d moved = end - start;
    const Eigen::Vector3d direction =
        moved.norm() > 1e-9 ? moved.normalized() : Eigen::Vector3d(b.pose(0).linear().col(0));
    predicted = start + direction * b.predicted().number.x() / 1000;
  }
  o.arrows.push_back({start, predicted, Role::Prediction});
  b.project(o, start, predicted, Role::Prediction, true);
}

// ASCII only: OpenCV's Hershey fonts draw nothing else.
std::string captionOf(const Question& q, const AskOutcome& outcome) {
  const std::string truth = withUnit(q.truth());
  if (!outcome.parsed.ok)
    return "answer not understood (" + outcome.parsed.error + ") - truth " + truth;
  std::string caption = "prediction " + withUnit(outcome.parsed.value) + " - truth " + truth +
                        " - " + (outcome.verdict.correct ? "correct" : "wrong");
  if (outcome.verdict.error > 0)
    caption += " (error " + std::to_string(std::lround(outcome.verdict.error)) + ")";
  return caption;
}

}  // namespace

std::array<std::uint8_t, 3> overlayColor(OverlayRole role, bool correct) {
  switch (role) {
    case OverlayRole::Query:
      return {255, 214, 10};
    case OverlayRole::Truth:
      return {0, 200, 255};
    case OverlayRole::Tolerance:
      return {150, 230, 255};
    case OverlayRole::Prediction:
      return correct ? std::array<std::uint8_t, 3>{40, 210, 60}
                     : std::array<std::uint8_t, 3>{235, 40, 40};
  }
  return {255, 255, 255};
}

AnswerOverlay buildAnswerOverlay(const Scene& scene, const Question& question,
                                 const AskOutcome& outcome) {
  AnswerOverlay o;
  o.parsed = outcome.parsed.ok;
  o.correct = outcome.verdict.correct;
  o.caption = captionOf(question, outcome);
  const OverlayBuilder b(scene, question, outcome);
  switch (taskFamily(*question.task)) {
    case TaskFamily::Depth:
      depthOverlay(b, question, o);
      break;
    case TaskFamily::DepthComparison:
      depthComparisonOverlay(b, question, o);
      break;
    case TaskFamily::Correspondence:
      correspondenceOverlay(b, question, o);
      break;
    case TaskFamily::CameraMotion:
      cameraOverlay(b, question, o);
      break;
    case TaskFamily::ObjectSize:
      sizeOverlay(b, question, scene, o);
      break;
    case TaskFamily::ObjectMovement:
      movementOverlay(b, question, scene, o);
      break;
  }
  return o;
}

RgbImage drawAnswerOverlay(const Question& question, const AnswerOverlay& overlay) {
  int width = 0, height = 0;
  std::vector<int> offsets;
  for (const auto& image : question.images) {
    offsets.push_back(width);
    width += image.width;
    height = std::max(height, image.height);
  }
  const int captionHeight = std::max(36, height / 14);
  cv::Mat canvas(height + captionHeight, std::max(width, 1), CV_8UC3, cv::Scalar(30, 30, 30));
  for (std::size_t i = 0; i < question.images.size(); ++i) {
    bgrFromRgb(question.images[i])
        .copyTo(
            canvas(cv::Rect(offsets[i], 0, question.images[i].width, question.images[i].height)));
  }
  const int thickness = std::max(2, width / 500);
  const auto bgr = [&](OverlayRole role) {
    const auto c = overlayColor(role, overlay.correct);
    return cv::Scalar(c[2], c[1], c[0]);
  };
  const auto at = [&](int image, const Eigen::Vector2d& p) {
    return cv::Point(static_cast<int>(std::lround(p.x())) + offsets.at(image),
                     static_cast<int>(std::lround(p.y())));
  };
  for (const auto& s : overlay.segments) {
    if (s.arrow) {
      cv::arrowedLine(canvas, at(s.fromImage, s.from), at(s.toImage, s.to), bgr(s.role), thickness,
                      cv::LINE_AA, 0, 0.15);
    } else {
      cv::line(canvas, at(s.fromImage, s.from), at(s.toImage, s.to), bgr(s.role), thickness,
               cv::LINE_AA);
    }
  }
  const double fontScale = std::max(0.5, height / 700.0);
  for (const auto& m : overlay.marks) {
    if (m.radius > 0) {
      cv::circle(canvas, at(m.image, m.pixel), static_cast<int>(m.radius), bgr(m.role), thickness,
                 cv::LINE_AA);
    } else {
      cv::circle(canvas, at(m.image, m.pixel), thickness * 3, bgr(m.role), cv::FILLED, cv::LINE_AA);
    }
    if (!m.label.empty()) {
      cv::putText(canvas, m.label, at(m.image, m.pixel) + cv::Point(thickness * 4, -thickness * 4),
                  cv::FONT_HERSHEY_SIMPLEX, fontScale, bgr(m.role), thickness, cv::LINE_AA);
    }
  }
  cv::putText(canvas, overlay.caption, cv::Point(10, height + captionHeight * 2 / 3),
              cv::FONT_HERSHEY_SIMPLEX, fontScale,
              overlay.parsed && overlay.correct ? cv::Scalar(60, 210, 40) : cv::Scalar(40, 40, 235),
              thickness, cv::LINE_AA);
  return rgbFromBgr(canvas);
}

}  // namespace mspa
