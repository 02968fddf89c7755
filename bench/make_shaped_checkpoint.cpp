// Writes an InternVL2-shaped checkpoint with random bfloat16 weights (original layout: config.json,
// safetensors shards + index), to measure loading and memory at real sizes without real weights.
//   make_shaped_checkpoint --shape 8b|2b --out DIR
// 8b: InternViT-300M-448px + InternLM2.5-7B (InternVL2-8B, 16.2 GB, 4 shards);
// 2b: InternViT-300M-448px + InternLM2-1.8B (InternVL2-2B, 4.4 GB, 1 file).
// The tokenizer is the bench script's business (spm_train + InternLM2's added-token ids).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inference/command_line.h"
#include "inference/safetensors.h"

namespace fs = std::filesystem;
using mspa::inference::DType;
using mspa::inference::SafetensorsWriter;

namespace {

struct Shape {
  int llmHidden, llmLayers, heads, kvHeads, intermediate, shards;
};

struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  float scale;  // 0: ones (norm weights), else uniform in [-scale, scale]
};

std::vector<Tensor> visionTensors() {
  const std::int64_t c = 1024, mlp = 4096;
  std::vector<Tensor> t = {
      {"vision_model.embeddings.class_embedding", {1, 1, c}, 0.02f},
      {"vision_model.embeddings.patch_embedding.weight", {c, 3, 14, 14}, 0.02f},
      {"vision_model.embeddings.patch_embedding.bias", {c}, 0.02f},
      {"vision_model.embeddings.position_embedding", {1, 1025, c}, 0.02f}};
  for (int i = 0; i < 24; ++i) {
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

std::vector<Tensor> projectorAndLlmTensors(const Shape& s) {
  const std::int64_t h = s.llmHidden, d = 128, vocab = 92553, in = 4 * 1024;
  std::vector<Tensor> t = {{"mlp1.0.weight", {in}, 0},
                           {"mlp1.0.bias", {in}, 0.02f},
                           {"mlp1.1.weight", {h, in}, 0.015f},
                           {"mlp1.1.bias", {h}, 0.02f},
                           {"mlp1.3.weight", {h, h}, 0.015f},
                           {"mlp1.3.bias", {h}, 0.02f},
                           {"language_model.model.tok_embeddings.weight", {vocab, h}, 0.02f}};
  for (int i = 0; i < s.llmLayers; ++i) {
    const std::string p = "language_model.model.layers." + std::to_string(i) + ".";
    t.push_back({p + "attention.wqkv.weight", {(s.heads + 2 * s.kvHeads) * d, h}, 0.02f});
    t.push_back({p + "attention.wo.weight", {h, s.heads * d}, 0.02f});
    t.push_back({p + "feed_forward.w1.weight", {s.intermediate, h}, 0.02f});
    t.push_back({p + "feed_forward.w3.weight", {s.intermediate, h}, 0.02f});
    t.push_back({p + "feed_forward.w2.weight", {h, s.intermediate}, 0.01f});
    t.push_back({p + "attention_norm.weight", {h}, 0});
    t.push_back({p + "ffn_norm.weight", {h}, 0});
  }
  t.push_back({"language_model.model.norm.weight", {h}, 0});
  t.push_back({"language_model.output.weight", {vocab, h}, 0.02f});
  return t;
}

nlohmann::json config(const Shape& s) {
  return {{"architectures", {"InternVLChatModel"}},
          {"model_type", "internvl_chat"},
          {"downsample_ratio", 0.5},
          {"dynamic_image_size", true},
          {"force_image_size", 448},
          {"max_dynamic_patch", 12},
          {"ps_version", "v2"},
          {"select_layer", -1},
          {"template", "internlm2-chat"},
          {"use_thumbnail", true},
          {"use_backbone_lora", 0},
          {"use_llm_lora", 0},
          {"torch_dtype", "bfloat16"},
          {"llm_config",
           {{"architectures", {"InternLM2ForCausalLM"}},
            {"model_type", "internlm2"},
            {"bias", false},
            {"hidden_size", s.llmHidden},
            {"intermediate_size", s.intermediate},
            {"num_attention_heads", s.heads},
            {"num_key_value_heads", s.kvHeads},
            {"num_hidden_layers", s.llmLayers},
            {"vocab_size", 92553},
            {"rms_norm_eps", 1e-5},
            {"rope_theta", 1000000},
            {"rope_scaling", {{"type", "dynamic"}, {"factor", 2.0}}},
            {"max_position_embeddings", 32768},
            {"bos_token_id", 1},
            {"eos_token_id", 2},
            {"torch_dtype", "bfloat16"}}},
          {"vision_config",
           {{"architectures", {"InternVisionModel"}},
            {"model_type", "intern_vit_6b"},
            {"hidden_size", 1024},
            {"intermediate_size", 4096},
            {"num_attention_heads", 16},
            {"num_hidden_layers", 24},
            {"image_size", 448},
            {"patch_size", 14},
            {"layer_norm_eps", 1e-6},
            {"norm_type", "layer_norm"},
            {"qk_normalization", false},
            {"qkv_bias", true},
            {"torch_dtype", "bfloat16"}}}};
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

void write(const Shape& s, const fs::path& out) {
  fs::create_directories(out);
  std::vector<Tensor> all = visionTensors();
  for (auto& t : projectorAndLlmTensors(s)) all.push_back(std::move(t));
  std::size_t total = 0;
  for (const auto& t : all) {
    std::size_t n = 2;
    for (auto d : t.shape) n *= static_cast<std::size_t>(d);
    total += n;
  }
  nlohmann::json weightMap = nlohmann::json::object();
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::size_t next = 0, written = 0;
  for (int shard = 0; shard < s.shards; ++shard) {
    char name[64];
    std::snprintf(name, sizeof name,
                  s.shards == 1 ? "model.safetensors" : "model-%05d-of-%05d.safetensors", shard + 1,
                  s.shards);
    std::vector<SafetensorsWriter::Entry> entries;
    std::vector<const Tensor*> tensors;
    std::size_t bytes = 0;
    while (next < all.size() && (shard == s.shards - 1 || bytes < total / s.shards)) {
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
  if (s.shards > 1) {
    std::ofstream index(out / "model.safetensors.index.json");
    index << nlohmann::json{{"metadata", {{"total_size", written}}}, {"weight_map", weightMap}}
                 .dump(1);
  }
  std::ofstream(out / "config.json") << config(s).dump(1);
  std::printf("%s: %zu tensors, %.2f GB of bfloat16\n", out.c_str(), all.size(),
              static_cast<double>(written) / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes an InternVL2-shaped checkpoint with random bfloat16 weights"};
  std::string shape = "2b", out;
  app.add_option("--shape", shape, "8b (InternVL2-8B) or 2b (InternVL2-2B)")
      ->check(CLI::IsMember({"8b", "2b"}))
      ->capture_default_str();
  app.add_option("--out", out, "output folder")->required();
  app.callback([&] {
    write(shape == "8b" ? Shape{4096, 32, 32, 8, 14336, 4} : Shape{2048, 24, 16, 8, 8192, 1}, out);
  });
  return mspa::inference::runCommandLine(app, argc, argv);
}
