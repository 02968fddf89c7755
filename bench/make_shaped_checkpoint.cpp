// Writes a checkpoint of the shapes a config describes with random bfloat16 weights (original
// layout: the config, safetensors shards of about 4 GB + index), to measure loading and memory
// at real sizes without real weights.
//   make_shaped_checkpoint --config bench/configs/internvl2-8b.json --out DIR
// internvl2-8b: InternViT-300M-448px + InternLM2.5-7B (16.2 GB, 4 shards);
// internvl2-2b: InternViT-300M-448px + InternLM2-1.8B (4.4 GB, 1 file).
// The tokenizer is the bench script's business (spm_train + InternLM2's added-token ids).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inference/command_line.h"
#include "inference/model_config.h"
#include "inference/safetensors.h"

namespace fs = std::filesystem;
using mspa::inference::DType;
using mspa::inference::SafetensorsWriter;

namespace {

struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  float scale;  // 0: ones (norm weights), else uniform in [-scale, scale]
};

std::vector<Tensor> visionTensors(const mspa::inference::ModelConfig& config) {
  const auto& v = config.vision;
  const std::int64_t c = v.hidden, mlp = v.intermediate, grid = v.imageSize / v.patchSize;
  std::vector<Tensor> t = {
      {"vision_model.embeddings.class_embedding", {1, 1, c}, 0.02f},
      {"vision_model.embeddings.patch_embedding.weight", {c, 3, v.patchSize, v.patchSize}, 0.02f},
      {"vision_model.embeddings.patch_embedding.bias", {c}, 0.02f},
      {"vision_model.embeddings.position_embedding", {1, grid * grid + 1, c}, 0.02f}};
  for (int i = 0; i < v.layers; ++i) {
    const std::string p = "vision_model.encoder.layers." + std::to_string(i) + ".";
    for (const char* norm : {"norm1", "norm2"}) {
      t.push_back({p + norm + ".weight", {c}, 0});
      t.push_back({p + norm + ".bias", {c}, 0.02f});
    }
    t.push_back({p + "attn.qkv.weight", {3 * c, c}, 0.03f});
    t.push_back({p + "attn.qkv.bias", {3 * c}, 0.02f});
    t.push_back({p + "attn.proj.weight", {c, c}, 0.03f});
    t.push_back({p + "attn.proj.bias", {c}, 0.02f});
    t.push_back({p + "ls1", {c}, 0.1f});
    t.push_back({p + "ls2", {c}, 0.1f});
    t.push_back({p + "mlp.fc1.weight", {mlp, c}, 0.03f});
    t.push_back({p + "mlp.fc1.bias", {mlp}, 0.02f});
    t.push_back({p + "mlp.fc2.weight", {c, mlp}, 0.015f});
    t.push_back({p + "mlp.fc2.bias", {c}, 0.02f});
  }
  return t;
}

std::vector<Tensor> projectorAndLlmTensors(const mspa::inference::ModelConfig& config) {
  const auto& l = config.llm;
  const std::int64_t h = l.hidden, d = l.headDim, vocab = l.vocab,
                     in = static_cast<std::int64_t>(
                         config.vision.hidden / (config.downsampleRatio * config.downsampleRatio));
  std::vector<Tensor> t = {{"mlp1.0.weight", {in}, 0},
                           {"mlp1.0.bias", {in}, 0.02f},
                           {"mlp1.1.weight", {h, in}, 0.015f},
                           {"mlp1.1.bias", {h}, 0.02f},
                           {"mlp1.3.weight", {h, h}, 0.015f},
                           {"mlp1.3.bias", {h}, 0.02f},
                           {"language_model.model.tok_embeddings.weight", {vocab, h}, 0.02f}};
  for (int i = 0; i < l.layers; ++i) {
    const std::string p = "language_model.model.layers." + std::to_string(i) + ".";
    t.push_back({p + "attention.wqkv.weight", {(l.heads + 2 * l.kvHeads) * d, h}, 0.02f});
    t.push_back({p + "attention.wo.weight", {h, l.heads * d}, 0.02f});
    t.push_back({p + "feed_forward.w1.weight", {l.intermediate, h}, 0.02f});
    t.push_back({p + "feed_forward.w3.weight", {l.intermediate, h}, 0.02f});
    t.push_back({p + "feed_forward.w2.weight", {h, l.intermediate}, 0.01f});
    t.push_back({p + "attention_norm.weight", {h}, 0});
    t.push_back({p + "ffn_norm.weight", {h}, 0});
  }
  t.push_back({"language_model.model.norm.weight", {h}, 0});
  t.push_back({"language_model.output.weight", {vocab, h}, 0.02f});
  return t;
}

// bfloat16 bits of uniform values in [-scale, scale] (xorshift64), or of 1.0.
void fill(std::vector<std::uint16_t>& out, float scale, std::uint64_t& state) {
  for (auto& v : out) {
    float x = 1.0f;
    if (scale > 0) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      x = (static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 2 - 1) * scale;
    }
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    v = static_cast<std::uint16_t>(bits >> 16);
  }
}

void write(const std::string& configPath, const fs::path& out) {
  const auto config = mspa::inference::readModelConfigFile(configPath);
  if (config.layout != mspa::inference::CheckpointLayout::Original ||
      config.llm.kind != mspa::inference::LlmKind::InternLM2)
    throw std::runtime_error(configPath +
                             ": only InternVLChatModel configs with InternLM2 are written");
  fs::create_directories(out);
  std::vector<Tensor> all = visionTensors(config);
  for (auto& t : projectorAndLlmTensors(config)) all.push_back(std::move(t));
  std::size_t total = 0;
  for (const auto& t : all) {
    std::size_t n = 2;
    for (auto d : t.shape) n *= static_cast<std::size_t>(d);
    total += n;
  }
  const int shards =
      std::max(1, static_cast<int>(total / 4'000'000'000ull));  // about 4 GB each, as released
  nlohmann::json weightMap = nlohmann::json::object();
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::size_t next = 0, written = 0;
  for (int shard = 0; shard < shards; ++shard) {
    char name[64];
    std::snprintf(name, sizeof name,
                  shards == 1 ? "model.safetensors" : "model-%05d-of-%05d.safetensors", shard + 1,
                  shards);
    std::vector<SafetensorsWriter::Entry> entries;
    std::vector<const Tensor*> tensors;
    std::size_t bytes = 0;
    while (next < all.size() && (shard == shards - 1 || bytes < total / shards)) {
      const Tensor& t = all[next++];
      entries.push_back({t.name, DType::BF16, t.shape});
      tensors.push_back(&t);
      std::size_t n = 2;
      for (auto d : t.shape) n *= static_cast<std::size_t>(d);
      bytes += n;
      weightMap[t.name] = name;
    }
    SafetensorsWriter writer((out / name).string(), entries);
    for (const Tensor* t : tensors) {
      std::size_t n = 1;
      for (auto d : t->shape) n *= static_cast<std::size_t>(d);
      std::vector<std::uint16_t> values(n);
      fill(values, t->scale, state);
      writer.write(values.data(), n * 2);
    }
    writer.finish();
    written += bytes;
    std::fprintf(stderr, "%s: %.2f GB\n", name, static_cast<double>(bytes) / 1e9);
  }
  if (shards > 1) {
    std::ofstream index(out / "model.safetensors.index.json");
    index << nlohmann::json{{"metadata", {{"total_size", written}}}, {"weight_map", weightMap}}
                 .dump(1);
  }
  fs::copy_file(configPath, out / "config.json", fs::copy_options::overwrite_existing);
  std::printf("%s: %zu tensors, %.2f GB of bfloat16\n", out.c_str(), all.size(),
              static_cast<double>(written) / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes an InternVL2-shaped checkpoint with random bfloat16 weights"};
  std::string config, out;
  app.add_option("--config", config,
                 "an InternVLChatModel config.json (bench/configs/internvl2-2b.json, -8b)")
      ->required();
  app.add_option("--out", out, "output folder")->required();
  app.callback([&] { write(config, out); });
  return mspa::inference::runCommandLine(app, argc, argv);
}
