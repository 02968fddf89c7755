#pragma once

// LoRA checkpoints in the forms Multi-SpatialMLLM users have, built from the tiny InternVL
// fixtures so that merging them gives back the fixture's weights exactly (up to float rounding):
// each targeted weight is stored as W - scale·B·A next to random A and B. The engine's merge must
// then reproduce the transformers reference logits; a wrong scale, a missed module or an
// unmerged base moves them by far more than the tolerance.
//
// Names follow what the reference code writes:
//  - InternVL's fine-tune output (internvl_chat_finetune.py, --use_llm_lora r /
//    --use_backbone_lora r: get_peft_model on language_model / vision_model with lora_alpha 2r,
//    then save_pretrained of the whole model): "language_model.base_model.model.<path>" for every
//    key of the wrapped module, ".base_layer.weight|bias" for targeted layers,
//    ".lora_A.default.weight" and ".lora_B.default.weight";
//  - a PEFT adapter (peft's get_peft_model_state_dict): "base_model.model.<module>.lora_A.weight",
//    <module> relative to the model that was wrapped (the whole model or the language model).

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "inference/safetensors.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
using FloatTensors = std::map<std::string, FloatTensor>;

inline const std::filesystem::path& internlm2Fixture() {
  static const std::filesystem::path dir =
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2";
  return dir;
}

inline void writeSafetensors(const std::filesystem::path& path, const FloatTensors& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", "F32"},
                    {"shape", t.shape},
                    {"data_offsets", {data.size(), data.size() + t.values.size() * 4}}};
    data.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
  }
  const std::string json = header.dump();
  const std::uint64_t length = json.size();
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &length, 8);
  writeFile(path.string(), bytes + json + data);
}

inline FloatTensors readSafetensors(const std::filesystem::path& path) {
  const inference::SafetensorsFile file(path.string());
  FloatTensors out;
  for (const auto& t : file.tensors()) {
    FloatTensor f{t.shape, std::vector<float>(static_cast<std::size_t>(t.numel()))};
    std::memcpy(f.values.data(), file.data(t), f.values.size() * 4);
    out[t.name] = std::move(f);
  }
  return out;
}

inline FloatTensor randomMatrix(int64_t rows, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.f, 0.2f);
  FloatTensor t{{rows, cols}, std::vector<float>(static_cast<std::size_t>(rows * cols))};
  for (auto& v : t.values) v = normal(rng);
  return t;
}

struct LoraPair {
  FloatTensor a, b;  // [r, in], [out, r]
};

// Random A and B for `weight` ([out, in]); `weight` becomes W - scale·B·A.
inline LoraPair subtractLora(FloatTensor& weight, int rank, double scale, std::mt19937& rng) {
  const int64_t out = weight.shape[0], in = weight.shape[1];
  LoraPair p{randomMatrix(rank, in, rng), randomMatrix(out, rank, rng)};
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      double sum = 0;
      for (int k = 0; k < rank; ++k)
        sum += static_cast<double>(p.b.values[o * rank + k]) * p.a.values[k * in + i];
      weight.values[o * in + i] = static_cast<float>(weight.values[o * in + i] - scale * sum);
    }
  }
  return p;
}

inline std::vector<std::string> internlm2Targets(const std::string& root, int layers) {
  std::vector<std::string> modules;
  for (int i = 0; i < layers; ++i) {
    for (const char* m : {"attention.wqkv", "attention.wo", "feed_forward.w1", "feed_forward.w2",
                          "feed_forward.w3"}) {
      modules.push_back(root + "layers." + std::to_string(i) + "." + m);
    }
  }
  return modules;
}

inline std::vector<std::string> internVitTargets(int layers) {
  std::vector<std::string> modules;
  for (int i = 0; i < layers; ++i) {
    for (const char* m : {"attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"}) {
      modules.push_back("vision_model.encoder.layers." + std::to_string(i) + "." + m);
    }
  }
  return modules;
}

inline nlohmann::json fixtureConfig() {
  std::ifstream in(internlm2Fixture() / "original/config.json");
  return nlohmann::json::parse(in);
}

inline void writeJson(const std::filesystem::path& path, const nlohmann::json& j) {
  writeFile(path.string(), j.dump(1));
}

// Splits tensors over two shards with an index, as large checkpoints come.
inline void writeSharded(const std::filesystem::path& dir, const FloatTensors& tensors) {
  FloatTensors first, second;
  nlohmann::json map = nlohmann::json::object();
  for (const auto& [name, t] : tensors) {
    const bool early =
        name.find("vision_model") != std::string::npos || name.find("mlp1") != std::string::npos;
    (early ? first : second)[name] = t;
    map[name] = early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  writeSafetensors(dir / "model-00001-of-00002.safetensors", first);
  writeSafetensors(dir / "model-00002-of-00002.safetensors", second);
  writeJson(dir / "model.safetensors.index.json",
            {{"metadata", {{"total_size", 0}}}, {"weight_map", map}});
}

// InternVL's fine-tune output of the tiny InternLM2 fixture with --use_llm_lora llmRank and
// --use_backbone_lora visionRank (0: not wrapped), in two shards.
inline void writeFineTuneOutput(const std::filesystem::path& dir, int llmRank, int visionRank,
                                std::uint32_t seed = 3) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(seed);
  const FloatTensors base = readSafetensors(internlm2Fixture() / "original/model.safetensors");
  FloatTensors out;
  const auto wrap = [&](const std::string& name) {
    for (const char* root : {"language_model.", "vision_model."}) {
      const int rank = root[0] == 'l' ? llmRank : visionRank;
      if (rank > 0 && name.rfind(root, 0) == 0)
        return root + std::string("base_model.model.") + name.substr(std::strlen(root));
    }
    return name;
  };
  std::map<std::string, int> targets;
  if (llmRank > 0) {
    for (const auto& m : internlm2Targets("language_model.model.", 2)) targets[m] = llmRank;
  }
  if (visionRank > 0) {
    for (const auto& m : internVitTargets(2)) targets[m] = visionRank;
  }
  for (const auto& [name, t] : base) {
    const auto dot = name.rfind('.');
    const std::string module = name.substr(0, dot), kind = name.substr(dot + 1);
    const auto target = targets.find(module);
    if (target == targets.end()) {
      out[wrap(name)] = t;
      continue;
    }
    const std::string wrapped = wrap(module);
    if (kind == "bias") {
      out[wrapped + ".base_layer.bias"] = t;
      continue;
    }
    FloatTensor w = t;
    LoraPair p = subtractLora(w, target->second, 2.0, rng);  // lora_alpha = 2r
    out[wrapped + ".base_layer.weight"] = w;
    out[wrapped + ".lora_A.default.weight"] = p.a;
    out[wrapped + ".lora_B.default.weight"] = p.b;
  }
  writeSharded(dir, out);
  auto config = fixtureConfig();
  config["use_llm_lora"] = llmRank;
  config["use_backbone_lora"] = visionRank;
  writeJson(dir / "config.json", config);
}

}  // namespace mspa::test
