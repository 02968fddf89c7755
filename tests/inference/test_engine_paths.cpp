// The engine's fast paths (vision cache, chunked prefill, random weights, dtypes) against the
// plain path and the transformers reference of the tiny fixtures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/engine_info.h"
#include "inference/generation.h"
#include "inference/parity_check.h"
#include "inference/safetensors.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;
namespace fs = std::filesystem;

namespace {

const std::string kInternLM2 = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-internlm2";
const std::string kQwen2 = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2";
// bfloat16 keeps 8 bits of mantissa: the tiny fixture's logits move by ~2.5e-2 (measured).
constexpr float kBfloat16Tolerance = 0.05f;

int imageToken(const std::string& fixture) {
  std::ifstream meta(fixture + "/meta.json");
  return nlohmann::json::parse(meta)["image_token_id"];
}

std::unique_ptr<InternVLModel> loadFixture(const std::string& dtype = "",
                                           bool fixedShapeDecode = false,
                                           const std::string& folder = kInternLM2 + "/original") {
  useEveryCpuCore();
  LoadOptions options;
  options.imageTokenId = imageToken(fs::path(folder).parent_path().string());
  options.dtype = dtype;
  options.fixedShapeDecode = fixedShapeDecode;
  return InternVLModel::load(folder, options);
}

// A fixture's prompt (InternLM2's: two images of seven tiles each, 3,607 tokens).
struct Prompt {
  SafetensorsFile reference;
  std::vector<std::int64_t> ids, greedy;
  ImageTiles images;
  explicit Prompt(const std::string& fixture = kInternLM2, std::vector<int> tiles = {7, 7})
      : reference(fixture + "/reference.safetensors") {
    const auto ints = [&](const char* name) {
      const TensorInfo* t = reference.find(name);
      const auto* p = reinterpret_cast<const std::int64_t*>(reference.data(*t));
      return std::vector<std::int64_t>(p, p + t->numel());
    };
    ids = ints("input_ids");
    greedy = ints("greedy_ids");
    images = {reference.data(*reference.find("tiles_u8")), std::move(tiles)};
  }
};

float maxDifference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("A question asked again takes its images from the vision cache and answers the same") {
  const auto model = loadFixture();
  const Prompt p;
  SamplingOptions greedy;
  greedy.maxNewTokens = 12;
  const auto first = generate(*model, p.ids, p.images, greedy);
  CHECK(first.timing.visionMs > 0);
  CHECK(model->visionCache().misses == 2);
  const auto second = generate(*model, p.ids, p.images, greedy);
  CHECK(second.tokens == first.tokens);
  CHECK(second.tokens == p.greedy);
  CHECK(second.timing.visionMs < first.timing.visionMs / 4);
  const VisionCacheStats stats = model->visionCache();
  CHECK(stats.hits == 2);
  CHECK(stats.entries == 2);
  const std::size_t perImage = 7 * 256 * model->config().llm.hidden * sizeof(float);
  CHECK(stats.bytes == 2 * perImage);

  SECTION("bounded: the least recently used image goes first") {
    model->setVisionCacheCapacity(perImage);
    CHECK(model->visionCache().entries == 1);
    CHECK(model->visionCache().bytes == perImage);
    model->setVisionCacheCapacity(0);
    CHECK(model->visionCache().entries == 0);
    const auto uncached = generate(*model, p.ids, p.images, greedy);
    CHECK(uncached.tokens == p.greedy);
    CHECK(model->visionCache().entries == 0);
  }
}

TEST_CASE(
    "Prefill in chunks keeps logits across a chunk boundary equal to those of the last chunk, to "
    "float32's rounding") {
  const auto model = loadFixture();
  const Prompt p;
  const auto vocab = static_cast<std::size_t>(model->config().llm.vocab);
  model->prefill(p.ids, p.images, 0, 16);
  const auto last16 = model->logits();
  // 3,607 tokens in chunks of 512: the last 40 positions start in the next-to-last chunk.
  model->prefill(p.ids, p.images, 0, 40);
  const auto last40 = model->logits();
  REQUIRE(last40.size() == 40 * vocab);
  // The head's product sums 40 rows in another order than 16 on some CPUs (an AMD EPYC's:
  // differences under 5e-6), never by more than float32's rounding.
  CHECK(maxDifference({last40.end() - static_cast<long>(16 * vocab), last40.end()}, last16) <=
        1e-5f);
  CHECK(model->cachedPositions() == static_cast<int>(p.ids.size()));
}

TEST_CASE("The KV cache grows past its reserve without changing the continuation") {
  const auto model = loadFixture();
  const Prompt p;
  const auto decode = [&](int reserve, int count) {
    model->prefill(p.ids, p.images, reserve);
    const std::size_t reserved = model->kvCacheBytes();
    std::vector<std::int64_t> tokens;
    SamplingOptions greedy;
    TokenSampler sampler(greedy);
    for (int i = 0; i < count; ++i) {
      tokens.push_back(model->sample(sampler));
      model->step(tokens.back());
    }
    return std::make_pair(tokens, model->kvCacheBytes() > reserved);
  };
  // Room for one new token, rounded up to the cache's block: decode past that.
  model->prefill(p.ids, p.images, 1);
  const auto capacity = static_cast<int>(model->kvCacheBytes() / model->kvBytesPerPosition());
  const int count = capacity - static_cast<int>(p.ids.size()) + 8;
  const auto [grown, grew] = decode(1, count);
  const auto [roomy, roomyGrew] = decode(count, count);
  CHECK(grew);
  CHECK_FALSE(roomyGrew);
  CHECK(grown == roomy);
  CHECK(std::vector<std::int64_t>(grown.begin(), grown.begin() + 12) == p.greedy);
}

TEST_CASE("The fixed-shape decode step that CUDA graphs record equals the plain step") {
  // InternLM2's packed wqkv, and Qwen2's separate q, k, v with biases (joined at load).
  const bool qwen = GENERATE(false, true);
  const std::string folder = qwen ? kQwen2 + "/hf" : kInternLM2 + "/original";
  INFO(folder);
  const auto plain = loadFixture("", false, folder);
  const auto fixed = loadFixture("", true, folder);
  const Prompt p = qwen ? Prompt(kQwen2, {1, 3}) : Prompt();
  plain->prefill(p.ids, p.images, 12);
  fixed->prefill(p.ids, p.images, 12);
  for (std::size_t i = 0; i + 1 < p.greedy.size(); ++i) {
    INFO("step " << i);
    plain->step(p.greedy[i]);
    fixed->step(p.greedy[i]);
    CHECK(maxDifference(fixed->logits(), plain->logits()) < 1e-4f);
  }
  CHECK(fixed->cachedPositions() == plain->cachedPositions());
  SamplingOptions greedy;
  greedy.maxNewTokens = 12;
  CHECK(generate(*fixed, p.ids, p.images, greedy).tokens == p.greedy);
}

TEST_CASE("dtype auto keeps a float32 checkpoint in float32; bfloat16 stays near the reference") {
  CHECK(loadFixture("auto")->dtype() == "float32");
  CHECK(loadFixture()->dtype() == "float32");
  const auto bf16 = loadFixture("bfloat16");
  CHECK(bf16->dtype() == "bfloat16");
  CHECK(bf16->weightBytes() * 2 == loadFixture("float32")->weightBytes());
  const ParityReport r = checkParity(*bf16, kInternLM2 + "/reference.safetensors");
  INFO("bfloat16: prefill " << r.prefillMaxDiff << ", steps " << r.stepsMaxDiff);
  CHECK(r.prefillMaxDiff < kBfloat16Tolerance);
  CHECK(r.stepsMaxDiff < kBfloat16Tolerance);
}

TEST_CASE("float16 on the CPU is refused at load with what is supported") {
  CHECK_THROWS_WITH(loadFixture("float16"),
                    Catch::Matchers::Contains("float16 is not supported on the cpu") &&
                        Catch::Matchers::Contains("auto, bfloat16 or float32"));
  CHECK_THROWS_WITH(loadFixture("float64"), Catch::Matchers::Contains("unknown dtype 'float64'"));
}

TEST_CASE("A random-weight model has the checkpoint's tensors and answers") {
  useEveryCpuCore();
  const std::string config = kInternLM2 + "/original/config.json";
  CHECK(InternVLModel::withRandomWeights(config)->imageTokenId() == 511);  // the last id
  LoadOptions options;
  options.dtype = "float32";
  options.imageTokenId = imageToken(kInternLM2);
  const auto random = InternVLModel::withRandomWeights(config, options);
  CHECK(random->weightBytes() == loadFixture("float32")->weightBytes());
  const Prompt p;
  SamplingOptions greedy;
  greedy.maxNewTokens = 4;
  CHECK(generate(*random, p.ids, p.images, greedy).tokens.size() == 4);
  // The same weights every time, as a measurement's reruns need (LibTorch seeds its generator
  // at random, and the first model drew from it): the same logits.
  const std::vector<float> logits = random->logits();
  const auto again = InternVLModel::withRandomWeights(config, options);
  generate(*again, p.ids, p.images, greedy);
  CHECK(again->logits() == logits);
}

TEST_CASE("A config for random weights with inconsistent sizes names the field") {
  mspa::test::TempDir dir;
  std::ifstream in(kInternLM2 + "/original/config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  const auto refused = [&](const nlohmann::json& c) {
    const std::string path = (dir.path() / "config.json").string();
    std::ofstream(path) << c.dump();
    try {
      InternVLModel::withRandomWeights(path);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  nlohmann::json heads = config;
  heads["llm_config"]["num_key_value_heads"] = 3;
  CHECK_THAT(refused(heads), Catch::Matchers::Contains("config.json") &&
                                 Catch::Matchers::Contains("num_key_value_heads"));
  nlohmann::json ratio = config;
  ratio["downsample_ratio"] = 0.3;
  CHECK_THAT(refused(ratio), Catch::Matchers::Contains("downsample_ratio"));
  nlohmann::json vision = config;
  vision["vision_config"]["num_attention_heads"] = 5;
  CHECK_THAT(refused(vision), Catch::Matchers::Contains("num_attention_heads"));
}

TEST_CASE("Batched answers of ragged prompts equal the answers each prompt gets alone") {
  const bool fixedShape = GENERATE(false, true);
  INFO((fixedShape ? "fixed-shape decode step" : "plain decode step"));
  const auto model = loadFixture("", fixedShape);
  const Prompt p;
  const int image = imageToken(kInternLM2);
  // Three lengths: the fixture's prompt, the same without half the text after its last image,
  // and the text before its first image alone.
  const auto textAfter = std::find(p.ids.rbegin(), p.ids.rend(), image) - p.ids.rbegin();
  REQUIRE(textAfter >= 2);
  const std::vector<std::int64_t> shorter(p.ids.begin(), p.ids.end() - textAfter / 2);
  const auto firstImage = std::find(p.ids.begin(), p.ids.end(), image);
  const std::vector<std::int64_t> textOnly(p.ids.begin(), firstImage);
  const std::vector<std::vector<std::int64_t>> prompts = {shorter, p.ids, textOnly};
  const std::vector<ImageTiles> images = {p.images, p.images, {p.images.data, {}}};
  for (const bool withStop : {false, true}) {
    SamplingOptions options;
    options.maxNewTokens = 10;
    if (withStop) options.stopIds = {p.greedy[1]};
    std::vector<std::vector<std::int64_t>> alone;
    for (std::size_t b = 0; b < prompts.size(); ++b)
      alone.push_back(generate(*model, prompts[b], images[b], options).tokens);
    const auto batched = generateBatch(*model, prompts, images, options);
    REQUIRE(batched.size() == 3);
    for (std::size_t b = 0; b < prompts.size(); ++b) {
      INFO("sequence " << b << (withStop ? " with a stop token" : ""));
      CHECK(batched[b].tokens == alone[b]);
      CHECK(batched[b].timing.promptTokens == static_cast<int>(prompts[b].size()));
    }
    if (withStop) CHECK(batched[1].tokens.size() == 2);  // it stopped while the others went on
  }
}

TEST_CASE("Each generated token's probability and top-k are the softmax of transformers' logits") {
  const auto model = loadFixture();
  const Prompt p;
  SamplingOptions explained;
  explained.maxNewTokens = 12;
  explained.explainTopK = 5;
  const auto result = generate(*model, p.ids, p.images, explained);
  REQUIRE(result.tokens == p.greedy);
  REQUIRE(result.explained.size() == p.greedy.size());
  const TensorInfo* steps = p.reference.find("logits_steps");
  REQUIRE(steps->dtype == DType::F32);
  const auto vocab = static_cast<std::size_t>(steps->shape[1]);
  const auto* reference = reinterpret_cast<const float*>(p.reference.data(*steps));
  for (std::size_t i = 0; i < p.greedy.size(); ++i) {
    INFO("step " << i);
    // The reference distribution, computed here from transformers' logits of this step.
    const float* row = reference + i * vocab;
    const double peak = *std::max_element(row, row + vocab);
    double total = 0;
    for (std::size_t v = 0; v < vocab; ++v) total += std::exp(row[v] - peak);
    const auto referenceProb = [&](std::int64_t id) { return std::exp(row[id] - peak) / total; };
    const TokenExplanation& step = result.explained[i];
    CHECK(step.id == p.greedy[i]);
    CHECK(step.prob == Approx(referenceProb(p.greedy[i])).margin(1e-3));
    REQUIRE(step.top.size() == 5);
    CHECK(step.top[0].id == p.greedy[i]);  // greedy picks the most probable
    for (std::size_t k = 0; k < step.top.size(); ++k) {
      CHECK(step.top[k].prob == Approx(referenceProb(step.top[k].id)).margin(1e-3));
      if (k > 0) CHECK(step.top[k].prob <= step.top[k - 1].prob);
    }
  }
  // Asked for nothing, the result holds nothing more.
  SamplingOptions plain = explained;
  plain.explainTopK = 0;
  CHECK(generate(*model, p.ids, p.images, plain).explained.empty());
}

TEST_CASE("Each answer token's attention over the sequence sums to 1 and never looks ahead") {
  const auto model = loadFixture();
  const Prompt p;
  std::vector<std::int64_t> sequence = p.ids;
  sequence.insert(sequence.end(), p.greedy.begin(), p.greedy.begin() + 3);
  const int queries = 4, layers = model->config().llm.layers;
  const std::vector<float> map = model->attentionMap(sequence, p.images, queries, 0, layers - 1);
  const std::size_t length = sequence.size();
  REQUIRE(map.size() == queries * length);
  for (int g = 0; g < queries; ++g) {
    const float* row = map.data() + g * length;
    CHECK(std::accumulate(row, row + length, 0.0) == Approx(1.0).margin(1e-4));
    const std::size_t position = length - queries + g;
    CHECK(std::accumulate(row + position + 1, row + length, 0.0) == 0.0);
  }
  // One layer alone differs from the mean over all, and a range outside the model is named.
  CHECK(model->attentionMap(sequence, p.images, queries, 1, 1) != map);
  CHECK_THROWS_WITH(model->attentionMap(sequence, p.images, queries, 0, layers),
                    Catch::Matchers::Contains("0:" + std::to_string(layers - 1)));
  // The decode path is untouched: the greedy answer is the same after an explanation.
  SamplingOptions greedy;
  greedy.maxNewTokens = 12;
  CHECK(generate(*model, p.ids, p.images, greedy).tokens == p.greedy);
  // Right after that answer the KV cache holds the positions before the queries: the map starts
  // from it and equals the one computed after a prefill of its own above.
  const std::vector<float> fromCache =
      model->attentionMap(sequence, p.images, queries, 0, layers - 1);
  REQUIRE(fromCache.size() == map.size());
  for (std::size_t i = 0; i < map.size(); ++i) CHECK(fromCache[i] == Approx(map[i]).margin(1e-5));
  // Query positions among the images are refused (their embeddings would need the images).
  CHECK_THROWS_WITH(model->attentionMap(p.ids, p.images, static_cast<int>(p.ids.size()), 0, 0),
                    Catch::Matchers::Contains("after the images"));
  // An answer may hold the image token's id (a random-weight model's did); decoding embedded it as
  // text, and so does the map, which stays a distribution over the positions so far.
  std::vector<std::int64_t> odd = p.ids;
  odd.push_back(model->imageTokenId());
  odd.push_back(p.greedy[0]);
  const std::vector<float> oddMap = model->attentionMap(odd, p.images, 2, 0, layers - 1);
  REQUIRE(oddMap.size() == 2 * odd.size());
  CHECK(std::accumulate(oddMap.begin(), oddMap.begin() + odd.size(), 0.0) ==
        Approx(1.0).margin(1e-4));
  CHECK(std::accumulate(oddMap.begin() + odd.size(), oddMap.end(), 0.0) ==
        Approx(1.0).margin(1e-4));
}
