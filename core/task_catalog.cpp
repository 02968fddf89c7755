#include "core/task_catalog.h"

#include <algorithm>

namespace mspa {
namespace {
// The eight object-movement subtasks, numbered 19-26: {distance, vector} × {coordinate, dot} ×
// {ADT, Panoptic Studio}. The clip source changes nothing in the prompt.
void addMovementTasks(std::vector<TaskInfo>& catalog) {
  const std::string task =
      "Image-1: <image>\nImage-2: <image>\nGiven two images, analyze the movements of objects in "
      "the images and the cameras that captured them. The movement should be relative to the "
      "first image. Note that the objects in the images and the camera may or may not have moved.";
  struct Measure {
    const char *name, *questionType, *column;
    AnswerKind answer;
    std::string atCoordinate, atDot, answerTemplate;
  };
  const Measure measures[] = {
      {"distance", "tapvid3d_total_distance", "Object movement distance", AnswerKind::Millimetres,
       "How far did the point at [ {x1} , {y1} ] in Image-1 travel between the two shots? The "
       "coordinates [ x , y ] are normalized to 0-1 and scaled by 1000, with [ 0 , 0 ] at the "
       "top-left corner. The x-axis represents the width, and the y-axis represents the height.",
       "How far did the annotated point in Image-1 travel between the two shots?",
       "The point traveled a total of `{value}` mm."},
      {"vector", "tapvid3d_displacement_vector", "Object movement vector", AnswerKind::VectorMm,
       "The first image is oriented such that positive X is right, Y is down, and Z is forward. "
       "What is the overall displacement vector of the point at [ {x1} , {y1} ] in Image-1? The "
       "coordinates [ x , y ] are normalized to 0-1 and scaled by 1000, with [ 0 , 0 ] at the "
       "top-left corner. The x-axis represents the width, and the y-axis represents the height.",
       "The first image is oriented such that positive X is right, Y is down, and Z is forward. "
       "What is the overall displacement vector of the annotated point in Image-1?",
       "The displacement vector is `{value}` mm."}};
  int number = 19;
  for (const Measure& m : measures) {
    for (const bool dot : {false, true}) {
      for (const char* source : {"adt", "pstudio"}) {
        catalog.push_back(
            {number++,
             std::string("object_movement_") + m.name + (dot ? "_dot_" : "_coordinate_") + source,
             m.questionType,
             "Object movement",
             m.column,
             2,
             dot ? Referencing::Dot : Referencing::Coordinate,
             m.answer,
             {},
             task,
             dot ? m.atDot : m.atCoordinate,
             m.answerTemplate});
      }
    }
  }
}

// The 26 subtasks. Prompts are the canonical paraphrase of each (../shared/docs/multispa.md §3);
// the data engine picks among ~30, which the answer parser and scorer never depend on.
std::vector<TaskInfo> makeCatalog() {
  using K = AnswerKind;
  using R = Referencing;
  // Shared by the subtasks of a group, as in the data engine.
  const std::string cameraTask =
      "Image-1: <image>\nImage-2: <image>\nGiven two images, analyze the movements of the cameras "
      "that captured them. The movement should be relative to the first image. Note that the "
      "objects in the images are assumed to be static.";
  const std::string objectSizeTask =
      "Image-1: <image>\nImage-2: <image>\nAssume the scene remains unchanged. Your task is to "
      "determine the spatial properties based on the images. You need to integrate and analyze "
      "information from all provided images to get the answer.";
  std::vector<TaskInfo> catalog = {
      {1,
       "depth_estimation_dot",
       "depth_estimation_dot",
       "Depth perception",
       "Depth value",
       1,
       R::Dot,
       K::Millimetres,
       {},
       "<image>\nGiven an image with an annotated point, complete the question-answer task.",
       "What is the depth of the annotated point in the image (in mm)?",
       "The depth of the annotated point is `{value}` mm."},
      {2,
       "depth_estimation_coor",
       "depth_estimation_coor",
       "Depth perception",
       "Depth value",
       1,
       R::Coordinate,
       K::Millimetres,
       {},
       "<image>\nGiven a single image and a 2D point's coordinates, complete the question-answer "
       "task. The point coordinates [ x , y ] are normalized to a range of 0-1 and scaled by 1000, "
       "with [ 0 , 0 ] at the top-left corner. The x-axis represents the width, and the y-axis "
       "represents the height.",
       "What is the depth at point [ {x1} , {y1} ] in the image (in mm)?",
       "The depth at point [ {x1} , {y1} ] is `{value}` mm."},
      {3,
       "depth_comparison_annotated",
       "depth_comparison_annotated",
       "Depth perception",
       "Depth comparison",
       1,
       R::Dot,
       K::Letter,
       {"A", "B"},
       "<image>\nGiven an image with two annotated points labeled with letters, determine which "
       "point is closer to or farther from the camera.",
       "Which of the annotated points is {closer_farther} the camera?",
       "Point `{value}` is {closer_farther} the camera."},
      {4,
       "depth_comparison_coordinate",
       "depth_comparison_coordinate",
       "Depth perception",
       "Depth comparison",
       1,
       R::Coordinate,
       K::Coordinate,
       {},
       "<image>\nGiven an image and the coordinates of two points, determine which point is closer "
       "to or farther from the camera. The point coordinates [ x , y ] are normalized to a range "
       "of 0-1 and scaled by 1000, with [ 0 , 0 ] at the top-left corner. The x-axis represents "
       "the width, and the y-axis represents the height.",
       "Which point is {closer_farther} the camera: [ {x1} , {y1} ] or [ {x2} , {y2} ]?",
       "Point `{value}` is {closer_farther} the camera."},
      {5,
       "visual_correspondence_multiple_choice",
       "visual_correspondence_multiple_choice",
       "Visual correspondence",
       "Vis. corr. MCQ",
       2,
       R::Dot,
       K::Letter,
       {"A", "B", "C", "D"},
       "Image-1: <image>\nImage-2: <image>\nGiven these two images, find the corresponding points "
       "between them.",
       "Which point labeled A, B, C, or D in Image-2 corresponds to the circle point in Image-1? "
       "Please answer with the correct label from Image-2.",
       "The correct point is labeled `{value}`."},
      {6,
       "visual_correspondence_coor_2_coor",
       "visual_correspondence_coor_2_coor",
       "Visual correspondence",
       "Vis. corr. coordinate",
       2,
       R::Coordinate,
       K::Coordinate,
       {},
       "Image-1: <image>\nImage-2: <image>\nGiven these two images, find the corresponding points "
       "between them. Coordinates [ x , y ] are normalized from 0 to 1 and then multiplied by "
       "1000, with [ 0 , 0 ] starting at the top-left corner. The x-axis denotes width, and the "
       "y-axis denotes height.",
       "Given point coordinates [ {x1} , {y1} ] in the first image, where is this point located in "
       "the second image?",
       "The point [ {x1} , {y1} ] in Image-1 corresponds to `{value}` in Image-2."},
      {7,
       "x_movement",
       "x_movement",
       "Camera movement",
       "Cam. translation direction",
       2,
       R::None,
       K::Word,
       {"left", "right"},
       cameraTask,
       "Did the camera move left or right?",
       "The camera shifted `{value}`."},
      {8,
       "y_movement",
       "y_movement",
       "Camera movement",
       "Cam. translation direction",
       2,
       R::None,
       K::Word,
       {"up", "down"},
       cameraTask,
       "Did the camera move upward or downward?",
       "The camera shifted `{value}`."},
      {9,
       "z_movement",
       "z_movement",
       "Camera movement",
       "Cam. translation direction",
       2,
       R::None,
       K::Word,
       {"forward", "backward"},
       cameraTask,
       "Did the camera move forward or backward in the scene?",
       "The camera shifted `{value}`."},
      {10,
       "yaw_movement",
       "yaw_movement",
       "Camera movement",
       "Cam. orientation direction",
       2,
       R::None,
       K::Word,
       {"left", "right"},
       cameraTask,
       "The yaw angle is the left-right rotation around the gravity axis. Could you identify if "
       "the camera rotates to the left side or the right side?",
       "The camera rotated `{value}`.",
       ObjectDimension::None,
       CameraTurn::Yaw},
      {11,
       "pitch_movement",
       "pitch_movement",
       "Camera movement",
       "Cam. orientation direction",
       2,
       R::None,
       K::Word,
       {"up", "down"},
       cameraTask,
       "The pitch angle is the up-down rotation around the camera's horizontal axis. Did the "
       "camera tilt up or down?",
       "The camera tilted `{value}`.",
       ObjectDimension::None,
       CameraTurn::Pitch},
      {12,
       "yaw_angle",
       "yaw_angle",
       "Camera movement",
       "Cam. orientation degree",
       2,
       R::None,
       K::Degrees,
       {},
       cameraTask,
       "How many degrees did the camera rotate horizontally from the first shot to the second?",
       "It rotated `{value}` degrees horizontally.",
       ObjectDimension::None,
       CameraTurn::Yaw},
      {13,
       "pitch_angle",
       "pitch_angle",
       "Camera movement",
       "Cam. orientation degree",
       2,
       R::None,
       K::Degrees,
       {},
       cameraTask,
       "How many degrees did the camera tilt vertically from the first shot to the second?",
       "It tilted `{value}` degrees vertically.",
       ObjectDimension::None,
       CameraTurn::Pitch},
      {14,
       "total_distance",
       "total_distance",
       "Camera movement",
       "Cam. translation distance",
       2,
       R::None,
       K::Millimetres,
       {},
       cameraTask,
       "How far did the camera travel between the two shots?",
       "The camera traveled a total of `{value}` mm."},
      {15,
       "displacement_vector",
       "displacement_vector",
       "Camera movement",
       "Cam. translation vector",
       2,
       R::None,
       K::VectorMm,
       {},
       cameraTask,
       "The first image is oriented such that positive X is right, Y is down, and Z is forward. "
       "What is the overall displacement vector of the camera's movement?",
       "The displacement vector is `{value}` mm."},
      {16,
       "object_perception_height_estimation",
       "object_perception_height_estimation",
       "Object perception",
       "Object size",
       2,
       R::Label,
       K::Millimetres,
       {},
       objectSizeTask,
       "What is the height (in millimeters) of the {category} itself commonly visible in these "
       "images?",
       "The height is approximately `{value}` millimeters.",
       ObjectDimension::Height},
      {17,
       "object_perception_length_estimation",
       "object_perception_length_estimation",
       "Object perception",
       "Object size",
       2,
       R::Label,
       K::Millimetres,
       {},
       objectSizeTask,
       "What is the length (in millimeters) of the {category} itself commonly visible in these "
       "images?",
       "The length is approximately `{value}` millimeters.",
       ObjectDimension::Length},
      {18,
       "object_perception_width_estimation",
       "object_perception_width_estimation",
       "Object perception",
       "Object size",
       2,
       R::Label,
       K::Millimetres,
       {},
       objectSizeTask,
       "What is the width (in millimeters) of the {category} itself commonly visible in these "
       "images?",
       "The width is approximately `{value}` millimeters.",
       ObjectDimension::Width},
  };
  addMovementTasks(catalog);
  return catalog;
}

}  // namespace

const char* answerKindName(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::Word:
      return "word";
    case AnswerKind::Letter:
      return "letter";
    case AnswerKind::Millimetres:
      return "millimetres";
    case AnswerKind::Degrees:
      return "degrees";
    case AnswerKind::Coordinate:
      return "coordinate";
    case AnswerKind::VectorMm:
      return "vector (mm)";
  }
  return "?";
}

TaskFamily taskFamily(const TaskInfo& task) {
  if (task.group == "Camera movement") return TaskFamily::CameraMotion;
  if (task.group == "Visual correspondence") return TaskFamily::Correspondence;
  if (task.group == "Object perception") return TaskFamily::ObjectSize;
  if (task.group == "Object movement") return TaskFamily::ObjectMovement;
  return task.questionType.rfind("depth_comparison", 0) == 0 ? TaskFamily::DepthComparison
                                                             : TaskFamily::Depth;
}

const std::vector<TaskInfo>& taskCatalog() {
  static const std::vector<TaskInfo> catalog = makeCatalog();
  return catalog;
}

const TaskInfo* findTask(std::string_view questionType) {
  const auto& c = taskCatalog();
  const auto it = std::find_if(c.begin(), c.end(),
                               [&](const TaskInfo& t) { return t.questionType == questionType; });
  return it == c.end() ? nullptr : &*it;
}

const TaskInfo* findSubtask(std::string_view subtask) {
  const auto& c = taskCatalog();
  const auto it =
      std::find_if(c.begin(), c.end(), [&](const TaskInfo& t) { return t.subtask == subtask; });
  return it == c.end() ? nullptr : &*it;
}

const std::vector<std::string>& table2Columns() {
  static const std::vector<std::string> columns = {
      "Depth comparison",           "Depth value",
      "Vis. corr. coordinate",      "Vis. corr. MCQ",
      "Cam. orientation direction", "Cam. orientation degree",
      "Cam. translation direction", "Cam. translation distance",
      "Cam. translation vector",    "Object movement distance",
      "Object movement vector",     "Object size"};
  return columns;
}

}  // namespace mspa
