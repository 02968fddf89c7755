#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace mspa::test {

// One MultiSPA sample line: two images under `scene`, the canonical conversation and gt_value.
inline std::string sampleLine(const nlohmann::json& id, const std::string& type,
                              const std::string& scene, const nlohmann::json& gt,
                              const std::string& answer, int images = 2) {
  nlohmann::json image = nlohmann::json::array();
  std::string prompt;  // one <image> per image, as the data engine writes them
  for (int i = 0; i < images; ++i) {
    image.push_back(scene + "/0000" + std::to_string(i) + ".jpg");
    prompt += "Image-" + std::to_string(i + 1) + ": <image>\n";
  }
  nlohmann::json s = {{"id", id},
                      {"image", images == 1 ? image[0] : image},
                      {"conversations",
                       {{{"from", "human"}, {"value", prompt + "What about the chair?"}},
                        {{"from", "gpt"}, {"value", answer}}}},
                      {"width_list", std::vector<int>(images, 640)},
                      {"height_list", std::vector<int>(images, 480)},
                      {"question_type", type},
                      {"gt_value", gt}};
  return s.dump();
}

// A small dataset in two files (a train and a test split) with every kind of line the index
// meets: samples of several types and scenes, a blank line, a CRLF line, malformed lines, an
// unknown question type.
struct SmallDataset {
  TempDir dir;
  std::string train = dir.file("multispa_train.jsonl"), test = dir.file("multispa_test.jsonl");

  SmallDataset() {
    std::string a;
    a += sampleLine(1, "x_movement", "scene0001_00", "left", "The camera shifted `left`.") + "\n";
    a += sampleLine(2, "x_movement", "scene0002_00", "right", "The camera shifted `right`.") +
         "\r\n";
    a += "\n";
    a += sampleLine(3, "depth_estimation_dot", "scene0001_00", 1234,
                    "The depth of the annotated point is `1234` mm.", 1) +
         "\n";
    a += "{\"id\": 4, \"question_type\": \"x_movement\", \"image\": [\n";  // truncated
    a += sampleLine(5, "total_distance", "scene0002_00", 950,
                    "The camera traveled a total of `950` mm.") +
         "\n";
    a += "[1, 2, 3]\n";
    a += sampleLine("six", "depth_of_field", "scene0003_00", "blurry", "It is blurry.") + "\n";
    writeFile(train, a);
    std::string b;
    b +=
        sampleLine(7, "displacement_vector", "scene0003_00", nlohmann::json::array({0.3, 0.0, 0.4}),
                   "The displacement vector is `[ 300 , 0 , 400 ]` mm.") +
        "\n";
    b += sampleLine(8, "x_movement", "scene0003_00", "left", "The camera shifted `left`.") + "\n";
    writeFile(test, b);
  }
  std::vector<std::string> paths() const { return {train, test}; }
};

}  // namespace mspa::test
