#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "inference/internvl_model.h"
#include "inference/model_merge.h"
#include "inference/parity_check.h"
#include "inference/safetensors.h"
#include "inference/weight_source.h"
#include "tests/inference/lora_fixture.h"

using namespace mspa::inference;
using namespace mspa::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kQwen = fs::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-qwen2";
constexpr float kTolerance = 2e-3f;  // fixtures README: what a correct float32 engine meets

int imageToken(const fs::path& fixture) {
  std::ifstream meta(fixture / "meta.json");
  return nlohmann::json::parse(meta)["image_token_id"];
}

// The tiny InternLM2 reference through a model folder (and adapter).
ParityReport internlm2Parity(const fs::path& model, const std::string& lora = {}) {
  LoadOptions options;
  options.imageTokenId = imageToken(internlm2Fixture());
  options.dtype = "float32";
  options.loraDir = lora;
  const auto m = InternVLModel::load(model.string(), options);
  return checkParity(*m, (internlm2Fixture() / "reference.safetensors").string());
}

void requireReferenceOutputs(const ParityReport& r) {
  INFO("prefill " << r.prefillMaxDiff << ", steps " << r.stepsMaxDiff << ", vision "
                  << r.visionMaxDiff);
  CHECK(r.within(kTolerance));
  CHECK(r.visionMaxDiff < 1e-3f);
}

// Prompt logits of the Qwen2 fixture's input for a model folder (and optional adapter).
std::vector<float> qwenLogits(const fs::path& model, const std::string& lora = {}) {
  LoadOptions options;
  options.imageTokenId = imageToken(kQwen);
  options.loraDir = lora;
  const auto m = InternVLModel::load(model.string(), options);
  const SafetensorsFile reference((kQwen / "reference.safetensors").string());
  const TensorInfo* ids = reference.find("input_ids");
  const auto* p = reinterpret_cast<const std::int64_t*>(reference.data(*ids));
  const TensorInfo* tiles = reference.find("tiles_u8");
  m->prefill({p, p + ids->numel()}, {reference.data(*tiles), {static_cast<int>(tiles->shape[0])}},
             0, 4);
  return m->logits();
}

float maxDifference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// A plain checkpoint of the InternLM2 fixture whose targeted weights are W - scale·B·A, and the
// PEFT adapter (A, B) that restores them, with module names as `prefix` + the path in the model
// that was wrapped.
struct AdapterSpec {
  std::string
      wrappedRoot;  // "language_model.model." (whole model) or "model." (language model alone)
  nlohmann::ordered_json config;
};

void writeBaseAndAdapter(const fs::path& base, const fs::path& adapter, const AdapterSpec& spec) {
  fs::create_directories(base);
  fs::create_directories(adapter);
  std::mt19937 rng(11);
  FloatTensors weights = readSafetensors(internlm2Fixture() / "original/model.safetensors");
  FloatTensors halves;
  const double r = spec.config["r"], alpha = spec.config["lora_alpha"];
  const bool rslora = spec.config.value("use_rslora", false);
  for (const auto& module : internlm2Targets(spec.wrappedRoot, 2)) {
    // Per-module rank and alpha as the patterns give them (chosen so that each pattern hits).
    const bool lowRank = module.find("layers.1.attention.wo") != std::string::npos &&
                         spec.config.contains("rank_pattern");
    const bool otherAlpha = module.find("feed_forward.w2") != std::string::npos &&
                            spec.config.contains("alpha_pattern");
    const int rank = lowRank ? 2 : static_cast<int>(r);
    const double a = otherAlpha ? 3.0 : alpha;
    const std::string plain = "language_model.model." + module.substr(spec.wrappedRoot.size());
    LoraPair p = subtractLora(weights.at(plain + ".weight"), rank,
                              rslora ? a / std::sqrt(rank) : a / rank, rng);
    halves["base_model.model." + module + ".lora_A.weight"] = p.a;
    halves["base_model.model." + module + ".lora_B.weight"] = p.b;
  }
  writeSafetensors(base / "model.safetensors", weights);
  writeJson(base / "config.json", fixtureConfig());
  writeSafetensors(adapter / "adapter_model.safetensors", halves);
  writeFile((adapter / "adapter_config.json").string(), spec.config.dump());
}

}  // namespace

TEST_CASE(
    "InternVL fine-tune output with language and vision LoRA loads as a model and gives the "
    "reference logits") {
  TempDir dir;
  writeFineTuneOutput(dir.path() / "finetuned", 4, 2);
  const WeightSource source((dir.path() / "finetuned").string(),
                            readModelConfig((dir.path() / "finetuned").string()));
  REQUIRE(source.loraSummaries().size() == 2);
  CHECK(source.loraSummaries()[0].modules == 10);
  CHECK(source.loraSummaries()[0].ranks == std::vector<int>{4});
  CHECK(source.loraSummaries()[0].alphas == std::vector<double>{8});
  CHECK(source.loraSummaries()[1].modules == 8);
  CHECK_THAT(source.loraSummaries()[1].origin, Contains("use_backbone_lora 2"));
  requireReferenceOutputs(internlm2Parity(dir.path() / "finetuned"));

  // The control: the same bases without their LoRA are far from the reference.
  auto config = fixtureConfig();
  const fs::path unmerged = dir.path() / "unmerged";
  fs::create_directories(unmerged);
  FloatTensors bases;
  for (const char* shard :
       {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    for (auto& [name, t] : readSafetensors(dir.path() / "finetuned" / shard)) {
      if (name.find(".lora_") != std::string::npos) continue;
      std::string plain = name;
      for (const std::string wrap :
           {"language_model.base_model.model.", "vision_model.base_model.model."}) {
        if (plain.rfind(wrap, 0) == 0)
          plain = wrap.substr(0, wrap.find('.') + 1) + plain.substr(wrap.size());
      }
      if (const auto at = plain.find(".base_layer."); at != std::string::npos)
        plain.replace(at, 12, ".");
      bases[plain] = t;
    }
  }
  writeSafetensors(unmerged / "model.safetensors", bases);
  writeJson(unmerged / "config.json", config);
  CHECK(internlm2Parity(unmerged).prefillMaxDiff > 0.1f);
}

TEST_CASE(
    "model merge writes a plain checkpoint, sharded like the input, that gives the reference "
    "logits") {
  TempDir dir;
  writeFineTuneOutput(dir.path() / "finetuned", 4, 2);
  writeFile((dir.path() / "finetuned/tokenizer_config.json").string(), "{}");
  const fs::path out = dir.path() / "merged";
  const MergeSummary s = mergeCheckpoint((dir.path() / "finetuned").string(), "", out.string());
  CHECK(s.shards == 2);
  CHECK(s.mergedTensors == 18);
  CHECK(fs::exists(out / "tokenizer_config.json"));
  std::ifstream indexFile(out / "model.safetensors.index.json");
  const auto index = nlohmann::json::parse(indexFile);
  CHECK(index["weight_map"]["language_model.model.layers.0.attention.wqkv.weight"] ==
        "model-00002-of-00002.safetensors");
  CHECK(index["weight_map"]["vision_model.encoder.layers.1.attn.qkv.bias"] ==
        "model-00001-of-00002.safetensors");
  CHECK(index["weight_map"].size() ==
        readSafetensors(internlm2Fixture() / "original/model.safetensors").size());
  std::ifstream configFile(out / "config.json");
  const auto config = nlohmann::json::parse(configFile);
  CHECK(config["use_llm_lora"] == 0);
  CHECK(config["use_backbone_lora"] == 0);
  const WeightSource merged(out.string(), readModelConfig(out.string()));
  CHECK(merged.loraSummaries().empty());
  requireReferenceOutputs(internlm2Parity(out));
  CHECK_THROWS_WITH(mergeCheckpoint((dir.path() / "finetuned").string(), "", out.string()),
                    Contains("merged: is not empty"));
}

TEST_CASE(
    "PEFT adapters saved from the whole model, with rank and alpha patterns, restore the reference "
    "logits") {
  TempDir dir;
  nlohmann::ordered_json config = {{"peft_type", "LORA"},
                                   {"r", 4},
                                   {"lora_alpha", 8},
                                   {"target_modules", {"attention.wqkv", "feed_forward.w2"}}};
  config["rank_pattern"] = {{"layers.1.attention.wo", 2}};
  config["alpha_pattern"] = {{"feed_forward.w2", 3}};
  writeBaseAndAdapter(dir.path() / "base", dir.path() / "adapter",
                      {"language_model.model.", config});
  requireReferenceOutputs(internlm2Parity(dir.path() / "base", (dir.path() / "adapter").string()));
  const WeightSource source((dir.path() / "base").string(),
                            readModelConfig((dir.path() / "base").string()),
                            (dir.path() / "adapter").string());
  REQUIRE(source.loraSummaries().size() == 1);
  CHECK(source.loraSummaries()[0].ranks == std::vector<int>{4, 2});
  CHECK(source.loraSummaries()[0].alphas == std::vector<double>{8, 3});
  CHECK(source.lora().at("language_model.model.layers.1.attention.wo.weight").rank == 2);
  CHECK(source.lora().at("language_model.model.layers.0.feed_forward.w2.weight").scale ==
        Approx(3.0 / 4));
  // Without the patterns the ranks disagree with the tensors.
  config.erase("rank_pattern");
  writeFile((dir.path() / "adapter/adapter_config.json").string(), config.dump());
  CHECK_THROWS_WITH(internlm2Parity(dir.path() / "base", (dir.path() / "adapter").string()),
                    Contains("module 'language_model.model.layers.1.attention.wo' has rank 2 in "
                             "its tensors but r = 4"));
}

TEST_CASE(
    "PEFT adapters saved from the language model alone (rsLoRA) restore the reference logits and "
    "merge") {
  TempDir dir;
  const nlohmann::ordered_json config = {
      {"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"use_rslora", true}};
  writeBaseAndAdapter(dir.path() / "base", dir.path() / "adapter", {"model.", config});
  requireReferenceOutputs(internlm2Parity(dir.path() / "base", (dir.path() / "adapter").string()));
  const WeightSource source((dir.path() / "base").string(),
                            readModelConfig((dir.path() / "base").string()),
                            (dir.path() / "adapter").string());
  CHECK_THAT(source.loraSummaries()[0].origin, Contains("saved from the language model alone"));
  CHECK(source.loraSummaries()[0].targets ==
        std::vector<std::string>{"attention.wo", "attention.wqkv", "feed_forward.w1",
                                 "feed_forward.w2", "feed_forward.w3"});
  mergeCheckpoint((dir.path() / "base").string(), (dir.path() / "adapter").string(),
                  (dir.path() / "merged").string());
  requireReferenceOutputs(internlm2Parity(dir.path() / "merged"));
}

TEST_CASE("A LoRA adapter on Qwen2 changes the weights exactly as merging B·A into them would") {
  TempDir dir;
  std::mt19937 rng(5);
  const int r = 4;
  const double alpha = 8;
  FloatTensors adapter, merged = readSafetensors(kQwen / "original/model.safetensors");
  for (const std::string module : {"language_model.model.layers.0.self_attn.q_proj",
                                   "language_model.model.layers.1.mlp.down_proj"}) {
    // subtractLora with -scale adds the update: the merged model is what the adapter must equal.
    LoraPair p = subtractLora(merged.at(module + ".weight"), r, -alpha / r, rng);
    adapter["base_model.model." + module + ".lora_A.weight"] = p.a;
    adapter["base_model.model." + module + ".lora_B.weight"] = p.b;
  }
  const fs::path lora = dir.path() / "lora", mergedModel = dir.path() / "merged";
  fs::create_directories(lora);
  fs::create_directories(mergedModel);
  writeSafetensors(lora / "adapter_model.safetensors", adapter);
  writeFile((lora / "adapter_config.json").string(),
            nlohmann::json{{"peft_type", "LORA"},
                           {"r", r},
                           {"lora_alpha", alpha},
                           {"target_modules", {"q_proj", "down_proj"}}}
                .dump());
  fs::copy_file(kQwen / "original/config.json", mergedModel / "config.json");
  writeSafetensors(mergedModel / "model.safetensors", merged);

  const auto base = qwenLogits(kQwen / "original");
  const auto withAdapter = qwenLogits(kQwen / "original", lora.string());
  CHECK(maxDifference(withAdapter, qwenLogits(mergedModel)) < 1e-4f);
  CHECK(maxDifference(withAdapter, base) > 1e-2f);  // the adapter did something
}

TEST_CASE("LoRA that does not fit the model is refused with the module and the numbers") {
  TempDir dir;
  std::mt19937 rng(1);
  const fs::path lora = dir.path() / "lora";
  fs::create_directories(lora);
  CHECK_THROWS_WITH(qwenLogits(kQwen / "original", lora.string()),
                    Contains("adapter_config.json: cannot open"));
  writeFile((lora / "adapter_config.json").string(),
            nlohmann::json{{"r", 2}, {"lora_alpha", 2}}.dump());
  writeSafetensors(
      lora / "adapter_model.safetensors",
      {{"base_model.model.language_model.model.layers.9.self_attn.q_proj.lora_A.weight",
        randomMatrix(2, 96, rng)},
       {"base_model.model.language_model.model.layers.9.self_attn.q_proj.lora_B.weight",
        randomMatrix(96, 2, rng)}});
  CHECK_THROWS_WITH(
      qwenLogits(kQwen / "original", lora.string()),
      Contains("LoRA module 'language_model.model.layers.9.self_attn.q_proj' matches no weight"));
  writeSafetensors(
      lora / "adapter_model.safetensors",
      {{"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
        randomMatrix(2, 50, rng)},
       {"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_B.weight",
        randomMatrix(96, 2, rng)}});
  CHECK_THROWS_WITH(qwenLogits(kQwen / "original", lora.string()), Contains("does not fit"));
  writeSafetensors(
      lora / "adapter_model.safetensors",
      {{"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
        randomMatrix(3, 96, rng)},
       {"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_B.weight",
        randomMatrix(96, 3, rng)}});
  CHECK_THROWS_WITH(qwenLogits(kQwen / "original", lora.string()),
                    Contains("has rank 3 in its tensors but r = 2"));
  writeFile((lora / "adapter_config.json").string(),
            nlohmann::json{{"r", 2}, {"use_dora", true}}.dump());
  CHECK_THROWS_WITH(qwenLogits(kQwen / "original", lora.string()),
                    Contains("DoRA adapters are not supported"));
  writeFile((lora / "adapter_config.json").string(), nlohmann::json{{"r", "sixteen"}}.dump());
  CHECK_THROWS_WITH(qwenLogits(kQwen / "original", lora.string()),
                    Contains("adapter_config.json: [json.exception.type_error"));

  // A fine-tune output whose config does not say it was wrapped.
  writeFineTuneOutput(dir.path() / "finetuned", 4, 0);
  auto config = fixtureConfig();
  config["use_llm_lora"] = 0;
  writeJson(dir.path() / "finetuned/config.json", config);
  CHECK_THROWS_WITH(internlm2Parity(dir.path() / "finetuned"), Contains("sets use_llm_lora to 0"));
  config["use_llm_lora"] = 8;
  writeJson(dir.path() / "finetuned/config.json", config);
  CHECK_THROWS_WITH(internlm2Parity(dir.path() / "finetuned"), Contains("disagree with rank 8"));
}
