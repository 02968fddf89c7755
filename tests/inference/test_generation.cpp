#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "inference/device_errors.h"
#include "inference/engine_info.h"
#include "inference/generation.h"
#include "inference/model_config.h"
#include "inference/safetensors.h"

using namespace mspa::inference;

namespace {

// The tiny Qwen2 fixture with its prompt (ids and tiles) and reference greedy continuation.
struct Fixture {
  const std::string dir = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2";
  SafetensorsFile reference{dir + "/reference.safetensors"};
  std::unique_ptr<InternVLModel> model;
  std::vector<std::int64_t> ids, greedy;
  const std::uint8_t* tiles = nullptr;
  int tileCount = 0;

  Fixture() {
    useEveryCpuCore();
    std::ifstream meta(dir + "/meta.json");
    LoadOptions options;
    options.imageTokenId = nlohmann::json::parse(meta)["image_token_id"];
    model = InternVLModel::load(dir + "/original", options);
    ids = values(reference.find("input_ids"));
    greedy = values(reference.find("greedy_ids"));
    tiles = reference.data(*reference.find("tiles_u8"));
    tileCount = static_cast<int>(reference.find("tiles_u8")->shape[0]);
  }
  std::vector<std::int64_t> values(const TensorInfo* t) const {
    REQUIRE(t);
    const auto* p = reinterpret_cast<const std::int64_t*>(reference.data(*t));
    return {p, p + t->numel()};
  }
  GenerationResult run(const SamplingOptions& options,
                       const std::function<void(std::int64_t)>& onToken = {},
                       const std::atomic<bool>* cancel = nullptr) {
    return generate(*model, ids, {tiles, {tileCount}}, options, onToken, cancel);
  }
};

}  // namespace

TEST_CASE("Greedy generation streams the reference continuation and times its phases") {
  Fixture f;
  SamplingOptions options;
  options.maxNewTokens = 12;
  std::vector<std::int64_t> streamed;
  const auto result = f.run(options, [&](std::int64_t t) { streamed.push_back(t); });
  CHECK(result.tokens == f.greedy);
  CHECK(streamed == f.greedy);
  CHECK_FALSE(result.stopped);
  CHECK(result.timing.promptTokens == static_cast<int>(f.ids.size()));
  CHECK(result.timing.newTokens == 12);
  CHECK(result.timing.visionMs > 0);
  CHECK(result.timing.prefillMs >= result.timing.visionMs);
  CHECK(result.timing.decodeTokensPerSecond() > 0);
}

TEST_CASE("Stop tokens end generation, top-k 1 is greedy, sampling is reproducible per seed") {
  Fixture f;
  SamplingOptions stop;
  stop.maxNewTokens = 12;
  stop.stopIds = {f.greedy[1]};
  const auto stopped = f.run(stop);
  CHECK(stopped.stopped);
  CHECK(stopped.tokens == std::vector<std::int64_t>{f.greedy[0], f.greedy[1]});

  SamplingOptions topOne;
  topOne.maxNewTokens = 6;
  topOne.temperature = 5.0;
  topOne.topK = 1;
  CHECK(f.run(topOne).tokens == std::vector<std::int64_t>(f.greedy.begin(), f.greedy.begin() + 6));

  SamplingOptions hot;
  hot.maxNewTokens = 8;
  hot.temperature = 50.0;  // nearly uniform over the tiny vocabulary
  hot.seed = 7;
  const auto a = f.run(hot), b = f.run(hot);
  CHECK(a.tokens == b.tokens);
  hot.seed = 8;
  CHECK(f.run(hot).tokens != a.tokens);
}

TEST_CASE("Generation can be cancelled from another thread") {
  Fixture f;
  std::atomic<bool> cancel{false};
  SamplingOptions options;
  options.maxNewTokens = 1000;
  int seen = 0;
  std::thread canceller;
  const auto result = f.run(
      options,
      [&](std::int64_t) {
        if (++seen == 3) canceller = std::thread([&] { cancel = true; });
        if (seen == 3) canceller.join();
      },
      &cancel);
  CHECK(result.cancelled);
  CHECK(result.tokens.size() == 3);
}

TEST_CASE("A prompt with ids beyond the vocabulary is refused before it reaches the model") {
  Fixture f;
  auto ids = f.ids;
  ids[3] =
      f.model->config().llm.vocab;  // what a Qwen tokenizer gives a model with another vocabulary
  CHECK_THROWS_WITH(f.model->prefill(ids, {f.tiles, {f.tileCount}}),
                    Catch::Matchers::Contains("outside the model's vocabulary of 640") &&
                        Catch::Matchers::Contains("tokenizer and weights do not match"));
  // The model is still usable afterwards.
  SamplingOptions options;
  options.maxNewTokens = static_cast<int>(f.greedy.size());
  CHECK(f.run(options).tokens == f.greedy);
}

TEST_CASE("End-of-sequence ids come from generation_config.json before the LLM config") {
  const std::string dir = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2";
  CHECK(readModelConfig(dir + "/original").eosIds == std::vector<std::int64_t>{2});
  CHECK(readModelConfig(dir + "/hf").eosIds == std::vector<std::int64_t>{2});
}

TEST_CASE("LibTorch failures become one line and out of memory says what to lower") {
  const auto oom = describeDeviceFailure("prefill of 3709 tokens and 14 tiles",
                                         "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; "
                                         "23.6 GiB total)\nException raised from ...");
  CHECK_THAT(
      oom, Catch::Matchers::StartsWith("out of memory during prefill of 3709 tokens and 14 tiles"));
  CHECK_THAT(oom, Catch::Matchers::Contains("bfloat16") &&
                      Catch::Matchers::Contains("Tried to allocate 2.00 GiB"));
  CHECK_THAT(oom, !Catch::Matchers::Contains("Exception raised"));
  const auto cpu = describeDeviceFailure(
      "loading /m", "DefaultCPUAllocator: can't allocate memory: you tried to allocate 99 bytes");
  CHECK_THAT(cpu, Catch::Matchers::StartsWith("out of memory during loading /m"));
  CHECK(describeDeviceFailure("decoding", "shape mismatch\nbacktrace") ==
        "decoding failed: shape mismatch");
}
