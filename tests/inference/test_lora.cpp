#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "inference/internvl_model.h"
#include "inference/safetensors.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kFixture = fs::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-qwen2";

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

void writeSafetensors(const fs::path& path, const std::map<std::string, FloatTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + t.values.size() * 4}}};
    data.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
  }
  const std::string json = header.dump();
  const std::uint64_t length = json.size();
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &length, 8);
  mspa::test::writeFile(path.string(), bytes + json + data);
}

std::map<std::string, FloatTensor> readAll(const fs::path& path) {
  const SafetensorsFile file(path.string());
  std::map<std::string, FloatTensor> out;
  for (const auto& t : file.tensors()) {
    FloatTensor f{t.shape, std::vector<float>(static_cast<std::size_t>(t.numel()))};
    std::memcpy(f.values.data(), file.data(t), f.values.size() * 4);
    out[t.name] = std::move(f);
  }
  return out;
}

FloatTensor randomTensor(std::vector<int64_t> shape, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 0.5f);
  FloatTensor t{shape, std::vector<float>(static_cast<std::size_t>(shape[0] * shape[1]))};
  for (auto& v : t.values) v = normal(rng);
  return t;
}

// Prompt logits of the fixture's input for a model folder (and optional adapter).
std::vector<float> logits(const fs::path& model, const std::string& lora = {}) {
  std::ifstream meta(kFixture / "meta.json");
  LoadOptions options;
  options.imageTokenId = nlohmann::json::parse(meta)["image_token_id"];
  options.loraDir = lora;
  const auto m = InternVLModel::load(model.string(), options);
  const SafetensorsFile reference((kFixture / "reference.safetensors").string());
  const TensorInfo* ids = reference.find("input_ids");
  const auto* p = reinterpret_cast<const std::int64_t*>(reference.data(*ids));
  const TensorInfo* tiles = reference.find("tiles_u8");
  return m->prefill({p, p + ids->numel()}, reference.data(*tiles), static_cast<int>(tiles->shape[0]), 4);
}

float maxDifference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("A LoRA adapter changes the weights exactly as merging B·A into them would") {
  mspa::test::TempDir dir;
  std::mt19937 rng(5);
  const int r = 4;
  const double alpha = 8;  // scale alpha / r = 2
  const std::map<std::string, std::vector<int64_t>> targets = {
      {"language_model.model.layers.0.self_attn.q_proj", {96, 96}}, {"language_model.model.layers.1.mlp.down_proj", {96, 128}}};
  std::map<std::string, FloatTensor> adapter;
  auto merged = readAll(kFixture / "original/model.safetensors");
  for (const auto& [module, shape] : targets) {
    const FloatTensor a = randomTensor({r, shape[1]}, rng), b = randomTensor({shape[0], r}, rng);
    adapter["base_model.model." + module + ".lora_A.weight"] = a;
    adapter["base_model.model." + module + ".lora_B.weight"] = b;
    FloatTensor& w = merged[module + ".weight"];
    for (int64_t o = 0; o < shape[0]; ++o) {
      for (int64_t i = 0; i < shape[1]; ++i) {
        double sum = 0;
        for (int k = 0; k < r; ++k) sum += static_cast<double>(b.values[o * r + k]) * a.values[k * shape[1] + i];
        w.values[o * shape[1] + i] += static_cast<float>(alpha / r * sum);
      }
    }
  }
  const fs::path lora = dir.path() / "lora", mergedModel = dir.path() / "merged";
  fs::create_directories(lora);
  fs::create_directories(mergedModel);
  writeSafetensors(lora / "adapter_model.safetensors", adapter);
  mspa::test::writeFile((lora / "adapter_config.json").string(),
                        nlohmann::json{{"peft_type", "LORA"}, {"r", r}, {"lora_alpha", alpha}, {"target_modules", {"q_proj", "down_proj"}}}.dump());
  fs::copy_file(kFixture / "original/config.json", mergedModel / "config.json");
  writeSafetensors(mergedModel / "model.safetensors", merged);

  const auto base = logits(kFixture / "original");
  const auto withAdapter = logits(kFixture / "original", lora.string());
  const auto withMerged = logits(mergedModel);
  CHECK(maxDifference(withAdapter, withMerged) < 1e-4f);
  CHECK(maxDifference(withAdapter, base) > 1e-2f);  // the adapter did something
}

TEST_CASE("A LoRA adapter that does not fit the base model is refused") {
  mspa::test::TempDir dir;
  std::mt19937 rng(1);
  const fs::path lora = dir.path() / "lora";
  fs::create_directories(lora);
  CHECK_THROWS_WITH(logits(kFixture / "original", lora.string()), Contains("adapter_config.json: cannot open"));
  mspa::test::writeFile((lora / "adapter_config.json").string(), nlohmann::json{{"r", 2}, {"lora_alpha", 2}}.dump());
  writeSafetensors(lora / "adapter_model.safetensors",
                   {{"base_model.model.language_model.model.layers.9.self_attn.q_proj.lora_A.weight", randomTensor({2, 96}, rng)},
                    {"base_model.model.language_model.model.layers.9.self_attn.q_proj.lora_B.weight", randomTensor({96, 2}, rng)}});
  CHECK_THROWS_WITH(logits(kFixture / "original", lora.string()), Contains("matches no weight"));
  writeSafetensors(lora / "adapter_model.safetensors",
                   {{"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight", randomTensor({2, 50}, rng)},
                    {"base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_B.weight", randomTensor({96, 2}, rng)}});
  CHECK_THROWS_WITH(logits(kFixture / "original", lora.string()), Contains("does not fit"));
}
