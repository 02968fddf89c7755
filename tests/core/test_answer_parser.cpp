#include <catch2/catch.hpp>

#include "core/answer_parser.h"

using namespace mspa;

namespace {

const TaskInfo& task(const char* subtask) {
  const TaskInfo* t = findSubtask(subtask);
  REQUIRE(t);
  return *t;
}

AnswerValue value(AnswerKind kind, std::string text,
                  Eigen::Vector3d number = Eigen::Vector3d::Zero()) {
  return {kind, std::move(text), number};
}

// The answer template filled the way the data engine fills it.
std::string canonicalAnswer(const TaskInfo& t, const AnswerValue& v) {
  std::string text = t.answerTemplate;
  const auto replace = [&](const std::string& key, const std::string& with) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key))
      text.replace(at, key.size(), with);
  };
  replace("{value}", formatAnswerValue(v));
  replace("{x1}", "100");
  replace("{y1}", "200");
  replace("{closer_farther}", "closer to");
  return text;
}

}  // namespace

TEST_CASE("parse(format(v)) == v for every subtask, lenient and strict") {
  for (const auto& t : taskCatalog()) {
    INFO(t.subtask);
    std::vector<AnswerValue> values;
    switch (t.answer) {
      case AnswerKind::Word:
      case AnswerKind::Letter:
        for (const auto& c : t.choices) values.push_back(value(t.answer, c));
        break;
      case AnswerKind::Millimetres:
      case AnswerKind::Degrees:
        values = {value(t.answer, "", {950, 0, 0}), value(t.answer, "", {7, 0, 0})};
        break;
      case AnswerKind::Coordinate:
        values = {value(t.answer, "", {531, 288, 0}), value(t.answer, "", {0, 1000, 0})};
        break;
      case AnswerKind::VectorMm:
        values = {value(t.answer, "", {12, -3, 410}), value(t.answer, "", {-250, 0, 0})};
        break;
    }
    for (const auto& v : values) {
      const std::string text = canonicalAnswer(t, v);
      INFO(text);
      for (const auto mode : {ParseMode::Lenient, ParseMode::Strict}) {
        ParseOptions options;
        options.mode = mode;
        const auto parsed = parseAnswer(text, t, options);
        REQUIRE(parsed.ok);
        CHECK(parsed.backticked);
        CHECK(parsed.value == v);
      }
    }
  }
}

TEST_CASE("Answers in the styles of the paper's Figure 1") {
  CHECK(parseAnswer("It rotated `47` degrees.", task("yaw_angle")).value.number.x() == 47);
  CHECK(parseAnswer("The new position is `[ 531 , 288 ]` .",
                    task("visual_correspondence_coor_2_coor"))
            .value.number.head<2>() == Eigen::Vector2d(531, 288));
  CHECK(parseAnswer("The point at `[ 472, 148 ]` is closer.", task("depth_comparison_coordinate"))
            .value.number.head<2>() == Eigen::Vector2d(472, 148));
  CHECK(parseAnswer("The height is approximately `950` millimeters.",
                    task("object_perception_height_estimation"))
            .value.number.x() == 950);
  const auto still =
      parseAnswer("The point did not move.", task("object_movement_distance_coordinate_adt"));
  REQUIRE(still.ok);
  CHECK(still.didNotMove);
  CHECK(still.value.number.isZero());
  CHECK(parseAnswer("The point did not move. The displacement vector is `[ 0 , 0 , 0 ]` mm.",
                    task("object_movement_vector_dot_pstudio"))
            .value.number.isZero());
}

TEST_CASE("Lenient fallbacks: units, brackets without spaces, synonyms, letters in prose") {
  const auto mm = [](const char* text, const char* subtask = "total_distance") {
    const auto p = parseAnswer(text, task(subtask));
    INFO(text << " -> " << p.error);
    REQUIRE(p.ok);
    return p.value.number.x();
  };
  CHECK(mm("The camera traveled about 1.2 m.") == Approx(1200));
  CHECK(mm("Roughly 95 cm.") == Approx(950));
  CHECK(mm("`1.5 meters`") == Approx(1500));
  CHECK(mm("`1,234` mm") == Approx(1234));
  CHECK(mm("It is 850 millimetres away.", "depth_estimation_dot") == Approx(850));
  CHECK(mm("The depth at point [ 472 , 148 ] is 950 mm.", "depth_estimation_coor") == Approx(950));
  CHECK(mm("The depth at point [ 472 , 148 ] is 950.", "depth_estimation_coor") == Approx(950));
  CHECK(mm("Image-1 and Image-2 are 2 m apart.") == Approx(2000));
  CHECK(mm("It rotated -30 degrees.", "yaw_angle") == Approx(30));
  CHECK(mm("About 0.5 rad.", "pitch_angle") == Approx(28.6479).epsilon(1e-3));

  const auto vec =
      parseAnswer("The displacement is [0.1, -0.2, 0.3] m.", task("displacement_vector"));
  REQUIRE(vec.ok);
  CHECK(vec.value.number.isApprox(Eigen::Vector3d(100, -200, 300)));
  CHECK(parseAnswer("`[531,288]`", task("visual_correspondence_coor_2_coor"))
            .value.number.head<2>() == Eigen::Vector2d(531, 288));
  CHECK(parseAnswer("(0.531, 0.288)", task("depth_comparison_coordinate"))
            .value.number.head<2>()
            .isApprox(Eigen::Vector2d(531, 288)));

  ParseOptions query;
  query.excludedCoordinates = {{100, 200}};
  const auto corr =
      parseAnswer("The point [ 100 , 200 ] in Image-1 corresponds to [ 531 , 288 ] in Image-2.",
                  task("visual_correspondence_coor_2_coor"), query);
  CHECK(corr.value.number.head<2>() == Eigen::Vector2d(531, 288));

  CHECK(parseAnswer("The camera moved to the LEFT.", task("x_movement")).value.text == "left");
  CHECK(parseAnswer("It moved upward.", task("y_movement")).value.text == "up");
  CHECK(parseAnswer("The camera went backwards.", task("z_movement")).value.text == "backward");
  CHECK(parseAnswer("`Right`", task("yaw_movement")).value.text == "right");
  CHECK(parseAnswer("The answer is B.", task("visual_correspondence_multiple_choice")).value.text ==
        "B");
  CHECK(parseAnswer("A point labeled D matches.", task("visual_correspondence_multiple_choice"))
            .value.text == "D");
  CHECK(parseAnswer("`(c)`", task("visual_correspondence_multiple_choice")).value.text == "C");
  CHECK(parseAnswer("A", task("depth_comparison_annotated")).value.text == "A");
}

TEST_CASE("Unparseable and ambiguous answers are failures, never guesses") {
  const auto fails = [](const char* text, const char* subtask) {
    const auto p = parseAnswer(text, task(subtask));
    INFO(text);
    CHECK_FALSE(p.ok);
    CHECK_FALSE(p.error.empty());
    return p.error;
  };
  fails("I cannot tell from these images.", "total_distance");
  fails("It rotated a lot.", "yaw_angle");
  CHECK_THAT(fails("It moved left and then right.", "x_movement"),
             Catch::Matchers::Contains("ambiguous"));
  fails("The camera moved forward.", "x_movement");  // not a left/right answer
  CHECK_THAT(fails("Between 300 and 400.", "depth_estimation_dot"),
             Catch::Matchers::Contains("ambiguous"));
  fails("Point E.", "visual_correspondence_multiple_choice");
  fails("Either point A or point B.", "depth_comparison_annotated");
  fails("`[ 1 , 2 , 3 ]`", "visual_correspondence_coor_2_coor");
  fails("The point stayed near the table.", "object_movement_vector_coordinate_adt");
}

TEST_CASE("Strict mode accepts only the canonical backticked form") {
  ParseOptions strict;
  strict.mode = ParseMode::Strict;
  CHECK(parseAnswer("The camera shifted `left`.", task("x_movement"), strict).ok);
  CHECK_FALSE(parseAnswer("The camera shifted `Left`.", task("x_movement"), strict).ok);
  CHECK_FALSE(parseAnswer("The camera shifted left.", task("x_movement"), strict).ok);
  CHECK_FALSE(parseAnswer("`[531,288]`", task("visual_correspondence_coor_2_coor"), strict).ok);
  CHECK_FALSE(parseAnswer("`950 mm`", task("depth_estimation_dot"), strict).ok);
  CHECK_FALSE(parseAnswer("`9.5`", task("depth_estimation_dot"), strict).ok);
  CHECK_FALSE(
      parseAnswer("The point did not move.", task("object_movement_distance_dot_adt"), strict).ok);
}

TEST_CASE("Vectors and coordinates in backticks without brackets, and answers of any length") {
  // Once an abort (std::out_of_range): positions of the bracketed copy were used on the answer.
  const auto vector = parseAnswer("`1, 2, 3`", task("displacement_vector"));
  REQUIRE(vector.ok);
  CHECK(vector.value.number == Eigen::Vector3d(1, 2, 3));
  const auto coordinate =
      parseAnswer("It is at `531, 288`", task("visual_correspondence_coor_2_coor"));
  REQUIRE(coordinate.ok);
  CHECK(coordinate.value.number.head<2>() == Eigen::Vector2d(531, 288));
  CHECK_FALSE(parseAnswer("`1, 2`", task("displacement_vector")).ok);
  // A long answer of numbers and brackets: one bracket list after another is skipped in turn, so
  // the reading is linear (it used to search every list for every character).
  std::string answer;
  for (int i = 0; i < 20000; ++i) answer += "[" + std::to_string(i) + "] ";
  answer += "then 950 mm";
  const auto scalar = parseAnswer(answer, task("total_distance"));
  REQUIRE(scalar.ok);
  CHECK(scalar.value.number.x() == Approx(950));
}
