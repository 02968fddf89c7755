#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/engine_info.h"
#include "inference/internvl_model.h"
#include "inference/parity_check.h"

using namespace mspa::inference;

namespace {

const std::string kFixtures = std::string(MSPA_TEST_DATA_DIR) + "/internvl/";
// What a correct float32 CPU implementation must meet (fixtures README).
constexpr float kLogitTolerance = 2e-3f;

// Runs the fixture's input through the model and compares every reference output.
void checkFixture(const std::string& variant, const std::string& layout) {
  useEveryCpuCore();
  const std::string dir = kFixtures + variant;
  std::ifstream metaFile(dir + "/meta.json");
  const auto meta = nlohmann::json::parse(metaFile);
  LoadOptions options;
  options.imageTokenId = meta["image_token_id"];
  const auto model = InternVLModel::load(dir + "/" + layout, options);
  const ParityReport report = checkParity(*model, dir + "/reference.safetensors");
  INFO(variant << " " << layout << ": vision " << report.visionMaxDiff << ", prefill "
               << report.prefillMaxDiff << ", steps " << report.stepsMaxDiff);
  CHECK(report.visionMaxDiff < 1e-3f);
  CHECK(report.prefillMaxDiff <= kLogitTolerance);
  CHECK(report.stepsMaxDiff <= kLogitTolerance);
  CHECK(report.greedyIds == report.referenceIds);
  CHECK(report.greedyIds.size() == 12);
  CHECK(model->cachedPositions() == meta["seq_len"].get<int>() + 12);
}

}  // namespace

TEST_CASE("Parity with transformers: tiny InternLM2 in the original InternVLChatModel layout") {
  checkFixture("tiny-internlm2", "original");
}
TEST_CASE("Parity with transformers: tiny InternLM2 in the Hugging Face layout") {
  checkFixture("tiny-internlm2", "hf");
}
TEST_CASE("Parity with transformers: tiny Qwen2 in the original InternVLChatModel layout") {
  checkFixture("tiny-qwen2", "original");
}
TEST_CASE("Parity with transformers: tiny Qwen2 in the Hugging Face layout") {
  checkFixture("tiny-qwen2", "hf");
}
