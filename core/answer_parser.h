#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

#include "core/task_catalog.h"

namespace mspa {

// A MultiSPA answer value. Words and letters are in `text` (lower-case words, upper-case
// letters); numbers in `number`: a length in mm or an angle in degrees in x, a normalized
// coordinate in x and y, a vector in mm in x, y, z.
struct AnswerValue {
  AnswerKind kind = AnswerKind::Word;
  std::string text;
  Eigen::Vector3d number = Eigen::Vector3d::Zero();

  bool operator==(const AnswerValue& other) const;
};

// The canonical printed form: left, A, 950, [ 531 , 288 ], [ 12 , -3 , 410 ].
std::string formatAnswerValue(const AnswerValue& value);

enum class ParseMode {
  Lenient,  // backticked value first, then documented fallbacks over the whole text
  Strict,   // only the canonical form inside backticks
};

struct ParseOptions {
  ParseMode mode = ParseMode::Lenient;
  // Coordinates that are part of the question and so cannot be the answer (the query point of
  // visual_correspondence_coor_2_coor), in normalized units.
  std::vector<Eigen::Vector2d> excludedCoordinates;
};

struct ParsedAnswer {
  bool ok = false;
  AnswerValue value;
  bool backticked = false;  // the value came from a `...` span
  bool didNotMove = false;  // "did not move" read as a zero movement
  std::string error;        // why it failed, when !ok
};

// Every bracketed pair of numbers in a text ("[ 12 , 34 ]", "(12, 34)"), in order: the
// coordinates a prompt gives.
std::vector<Eigen::Vector2d> coordinatesIn(std::string_view text);

// Reads a model's answer for a task; see docs/SCORING.md for every rule and fallback.
ParsedAnswer parseAnswer(std::string_view text, const TaskInfo& task,
                         const ParseOptions& options = {});

}  // namespace mspa
