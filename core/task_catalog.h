#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mspa {

// What a MultiSPA answer is, which decides how it is parsed and scored.
enum class AnswerKind {
  Word,         // a direction: left/right, up/down, forward/backward
  Letter,       // A-B (depth comparison) or A-D (correspondence MCQ)
  Millimetres,  // a length, whole millimetres
  Degrees,      // an angle magnitude, whole degrees
  Coordinate,   // a 2D point, MultiSPA-normalized [ x , y ] in 0..1000
  VectorMm,     // a 3D vector in millimetres, first-camera coordinates
};

// How the question points at things in the images.
enum class Referencing { None, Dot, Coordinate, Label };

// Which extent of an object's box an object-size subtask asks for (height: vertical; length and
// width: the longer and shorter horizontal side).
enum class ObjectDimension { None, Height, Length, Width };

// Which rotation a camera-motion subtask asks about: none (translation), the yaw (about the
// gravity axis) or the pitch (about the camera's horizontal axis).
enum class CameraTurn { None, Yaw, Pitch };

// Below this displacement a point or camera "did not move" (MultiSPA's data engine, 1 cm): the
// generator's answers and the scorer's zero band both use it.
constexpr double kDidNotMoveMetres = 0.01;

const char* answerKindName(AnswerKind kind);

// One of the 26 MultiSPA subtasks (Multi-SpatialMLLM Table 2 numbering). Several subtasks can share
// a question_type: the eight object-movement subtasks are two question types (distance, vector)
// asked with a coordinate or a dot on ADT or Panoptic Studio clips.
struct TaskInfo {
  int number = 0;            // 1..26
  std::string subtask;       // unique name
  std::string questionType;  // the sample's "question_type"
  std::string group;         // the paper's task group
  std::string column;        // the Table-2 column it is pooled into
  int frames = 1;
  Referencing referencing = Referencing::None;
  AnswerKind answer = AnswerKind::Word;
  std::vector<std::string> choices;  // words or letters a Word/Letter answer may take
  // Canonical prompt pieces (one of the data engine's paraphrases), with {placeholders}.
  std::string taskDescription;
  std::string question;
  std::string answerTemplate;
  ObjectDimension dimension = ObjectDimension::None;  // object size only
  CameraTurn turn = CameraTurn::None;                 // camera motion only
};

// The six families of subtasks that share a geometry (and an overlay).
enum class TaskFamily {
  Depth,
  DepthComparison,
  Correspondence,
  CameraMotion,
  ObjectSize,
  ObjectMovement
};
TaskFamily taskFamily(const TaskInfo& task);

const std::vector<TaskInfo>& taskCatalog();
// The first subtask with this question_type (object movement: the coordinate/ADT one); null if
// unknown.
const TaskInfo* findTask(std::string_view questionType);
const TaskInfo* findSubtask(std::string_view subtask);

// Table 2's twelve columns in the paper's order.
const std::vector<std::string>& table2Columns();

}  // namespace mspa
