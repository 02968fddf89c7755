#include "inference/checkpoint.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "inference/safetensors.h"

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

c10::ScalarType torchType(DType d) {
  switch (d) {
    case DType::F64: return at::kDouble;
    case DType::F32: return at::kFloat;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::I64: return at::kLong;
    case DType::I32: return at::kInt;
    case DType::I16: return at::kShort;
    case DType::I8: return at::kChar;
    case DType::U8: return at::kByte;
    case DType::Bool: return at::kBool;
  }
  return at::kFloat;
}

std::vector<std::string> shardFiles(const std::string& dir) {
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (!fs::exists(index)) {
    const fs::path single = fs::path(dir) / "model.safetensors";
    if (!fs::exists(single)) throw std::runtime_error(dir + ": no model.safetensors or model.safetensors.index.json");
    return {single.string()};
  }
  std::ifstream in(index);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(index.string() + ": invalid JSON: " + e.what());
  }
  if (!j.contains("weight_map") || !j["weight_map"].is_object()) throw std::runtime_error(index.string() + ": no weight_map");
  std::set<std::string> files;
  for (const auto& [name, file] : j["weight_map"].items()) files.insert((fs::path(dir) / file.get<std::string>()).string());
  return {files.begin(), files.end()};
}

// A LoRA update for one base weight.
struct LoraDelta {
  at::Tensor a, b;  // [r, in], [out, r]
  double scale = 1;
  bool used = false;
};

// The adapter's modules keyed by the base checkpoint's weight names. PEFT prefixes module paths
// with "base_model.model." (once per wrapping), which is removed to find the base weight.
std::map<std::string, LoraDelta> readLora(const std::string& dir) {
  const fs::path configPath = fs::path(dir) / "adapter_config.json";
  std::ifstream in(configPath);
  if (!in) throw std::runtime_error(configPath.string() + ": cannot open (is this a PEFT LoRA adapter?)");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(configPath.string() + ": invalid JSON: " + e.what());
  }
  if (config.value("peft_type", "LORA") != "LORA") throw std::runtime_error(configPath.string() + ": not a LoRA adapter");
  const double r = config.value("r", 0.0), alpha = config.value("lora_alpha", r);
  if (r <= 0) throw std::runtime_error(configPath.string() + ": no positive \"r\"");
  const double scale = config.value("use_rslora", false) ? alpha / std::sqrt(r) : alpha / r;
  const SafetensorsFile weights((fs::path(dir) / "adapter_model.safetensors").string());
  std::map<std::string, LoraDelta> deltas;
  const auto tensor = [&](const TensorInfo& t) {
    std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
    // A copy: the adapter file is unmapped when this function returns.
    return at::from_blob(const_cast<std::uint8_t*>(weights.data(t)), shape, at::TensorOptions().dtype(torchType(t.dtype))).to(at::kFloat).clone();
  };
  for (const auto& t : weights.tensors()) {
    const std::string suffixA = ".lora_A.weight", suffixB = ".lora_B.weight";
    const bool isA = t.name.size() > suffixA.size() && t.name.compare(t.name.size() - suffixA.size(), suffixA.size(), suffixA) == 0;
    const bool isB = t.name.size() > suffixB.size() && t.name.compare(t.name.size() - suffixB.size(), suffixB.size(), suffixB) == 0;
    if (!isA && !isB) throw std::runtime_error(weights.path() + ": unexpected tensor '" + t.name + "' (only lora_A/lora_B weights)");
    std::string module = t.name.substr(0, t.name.size() - suffixA.size());
    for (auto at = module.find("base_model.model."); at != std::string::npos; at = module.find("base_model.model.")) module.erase(at, 17);
    LoraDelta& d = deltas[module + ".weight"];
    (isA ? d.a : d.b) = tensor(t);
    d.scale = scale;
  }
  for (const auto& [name, d] : deltas) {
    if (!d.a.defined() || !d.b.defined()) throw std::runtime_error(weights.path() + ": '" + name + "' lacks lora_A or lora_B");
  }
  return deltas;
}

// Checkpoint tensors by their file names, read on demand, with any LoRA update merged in.
class TensorSource {
 public:
  TensorSource(const std::string& dir, std::map<std::string, LoraDelta> lora) : lora_(std::move(lora)) {
    for (const auto& path : shardFiles(dir)) {
      files_.push_back(std::make_unique<SafetensorsFile>(path));
      for (const auto& t : files_.back()->tensors()) {
        if (!where_.emplace(t.name, std::make_pair(files_.back().get(), &t)).second) {
          throw std::runtime_error(path + ": tensor '" + t.name + "' appears in two shards");
        }
      }
    }
  }
  bool has(const std::string& name) const { return where_.count(name) > 0; }
  at::Tensor take(const std::string& name) {
    const auto it = where_.find(name);
    if (it == where_.end()) throw std::runtime_error("checkpoint has no tensor '" + name + "'");
    used_.insert(name);
    const auto& [file, info] = it->second;
    std::vector<int64_t> shape(info->shape.begin(), info->shape.end());
    at::Tensor t = at::from_blob(const_cast<std::uint8_t*>(file->data(*info)), shape, at::TensorOptions().dtype(torchType(info->dtype))).clone();
    const auto delta = lora_.find(name);
    if (delta == lora_.end()) return t;
    LoraDelta& d = delta->second;
    const at::Tensor update = at::matmul(d.b, d.a) * d.scale;
    if (update.sizes() != t.sizes()) throw std::runtime_error("LoRA update for '" + name + "' does not fit the weight's shape");
    d.used = true;
    return (t.to(at::kFloat) + update).to(t.scalar_type());
  }
  std::vector<std::string> unusedLora() const {
    std::vector<std::string> out;
    for (const auto& [name, d] : lora_) {
      if (!d.used) out.push_back(name);
    }
    return out;
  }
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : where_) {
      if (!used_.count(name)) out.push_back(name);
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<const SafetensorsFile*, const TensorInfo*>> where_;
  std::set<std::string> used_;
  std::map<std::string, LoraDelta> lora_;
};

// Collects canonical tensors, checking shapes against the config.
class Loader {
 public:
  Loader(TensorSource& source, const ModelConfig& config) : source_(source), config_(config) {}

  void put(const std::string& canonical, at::Tensor t, std::vector<int64_t> shape) {
    if (t.sizes().vec() != shape) {
      std::string expected, got;
      for (auto d : shape) expected += std::to_string(d) + " ";
      for (auto d : t.sizes()) got += std::to_string(d) + " ";
      throw std::runtime_error("tensor for " + canonical + " has shape [ " + got + "] but the config needs [ " + expected + "]");
    }
    out_[canonical] = std::move(t);
  }
  void map(const std::string& canonical, const std::string& name, std::vector<int64_t> shape) {
    put(canonical, source_.take(name), std::move(shape));
  }
  void mapOptional(const std::string& canonical, const std::string& name, std::vector<int64_t> shape) {
    if (source_.has(name)) map(canonical, name, std::move(shape));
  }
  std::map<std::string, at::Tensor>& result() { return out_; }
  TensorSource& source() { return source_; }
  const ModelConfig& config() const { return config_; }

 private:
  TensorSource& source_;
  const ModelConfig& config_;
  std::map<std::string, at::Tensor> out_;
};

void loadVision(Loader& l, bool hf) {
  const VisionConfig& v = l.config().vision;
  const int64_t c = v.hidden, grid = v.imageSize / v.patchSize;
  const std::string e = hf ? "vision_tower.embeddings." : "vision_model.embeddings.";
  l.map("v.patch.w", e + (hf ? "patch_embeddings.projection.weight" : "patch_embedding.weight"), {c, 3, v.patchSize, v.patchSize});
  l.map("v.patch.b", e + (hf ? "patch_embeddings.projection.bias" : "patch_embedding.bias"), {c});
  l.map("v.cls", e + (hf ? "cls_token" : "class_embedding"), {1, 1, c});
  l.map("v.pos", e + (hf ? "position_embeddings" : "position_embedding"), {1, grid * grid + 1, c});
  for (int i = 0; i < v.layers; ++i) {
    const std::string in = (hf ? "vision_tower.encoder.layer." : "vision_model.encoder.layers.") + std::to_string(i) + ".";
    const std::string out = "v." + std::to_string(i) + ".";
    const std::string norm1 = hf ? "layernorm_before" : "norm1", norm2 = hf ? "layernorm_after" : "norm2";
    l.map(out + "norm1.w", in + norm1 + ".weight", {c});
    l.map(out + "norm2.w", in + norm2 + ".weight", {c});
    if (!v.rmsNorm) {
      l.map(out + "norm1.b", in + norm1 + ".bias", {c});
      l.map(out + "norm2.b", in + norm2 + ".bias", {c});
    }
    if (hf) {
      for (const char* p : {"q", "k", "v"}) {
        l.map(out + p + ".w", in + "attention." + p + "_proj.weight", {c, c});
        if (v.qkvBias) l.map(out + p + ".b", in + "attention." + p + "_proj.bias", {c});
      }
      l.map(out + "proj.w", in + "attention.projection_layer.weight", {c, c});
      l.map(out + "proj.b", in + "attention.projection_layer.bias", {c});
      l.map(out + "ls1", in + "lambda_1", {c});
      l.map(out + "ls2", in + "lambda_2", {c});
    } else {
      const at::Tensor qkv = l.source().take(in + "attn.qkv.weight");
      if (qkv.sizes().vec() != std::vector<int64_t>{3 * c, c}) throw std::runtime_error(in + "attn.qkv.weight has the wrong shape");
      const auto parts = qkv.chunk(3, 0);
      for (int k = 0; k < 3; ++k) l.put(out + "qkv"[k] + ".w", parts[k].contiguous(), {c, c});
      if (v.qkvBias) {
        const auto bias = l.source().take(in + "attn.qkv.bias").chunk(3, 0);
        for (int k = 0; k < 3; ++k) l.put(out + "qkv"[k] + ".b", bias[k].contiguous(), {c});
      }
      l.map(out + "proj.w", in + "attn.proj.weight", {c, c});
      l.map(out + "proj.b", in + "attn.proj.bias", {c});
      l.map(out + "ls1", in + "ls1", {c});
      l.map(out + "ls2", in + "ls2", {c});
    }
    if (v.qkNorm) {
      l.map(out + "qnorm.w", in + (hf ? "attention.q_norm.weight" : "attn.q_norm.weight"), {c});
      l.map(out + "knorm.w", in + (hf ? "attention.k_norm.weight" : "attn.k_norm.weight"), {c});
    }
    l.map(out + "fc1.w", in + "mlp.fc1.weight", {v.intermediate, c});
    l.map(out + "fc1.b", in + "mlp.fc1.bias", {v.intermediate});
    l.map(out + "fc2.w", in + "mlp.fc2.weight", {c, v.intermediate});
    l.map(out + "fc2.b", in + "mlp.fc2.bias", {c});
  }
}

void loadProjector(Loader& l, bool hf) {
  const ModelConfig& cfg = l.config();
  const int64_t in = static_cast<int64_t>(cfg.vision.hidden / (cfg.downsampleRatio * cfg.downsampleRatio)), out = cfg.llm.hidden;
  const std::string p = hf ? "multi_modal_projector." : "mlp1.";
  l.map("p.norm.w", p + (hf ? "layer_norm.weight" : "0.weight"), {in});
  l.map("p.norm.b", p + (hf ? "layer_norm.bias" : "0.bias"), {in});
  l.map("p.fc1.w", p + (hf ? "linear_1.weight" : "1.weight"), {out, in});
  l.map("p.fc1.b", p + (hf ? "linear_1.bias" : "1.bias"), {out});
  l.map("p.fc2.w", p + (hf ? "linear_2.weight" : "3.weight"), {out, out});
  l.map("p.fc2.b", p + (hf ? "linear_2.bias" : "3.bias"), {out});
}

void loadLanguageModel(Loader& l) {
  const LlmConfig& c = l.config().llm;
  const int64_t h = c.hidden, d = c.headDim, q = c.heads * d, kv = c.kvHeads * d;
  const std::string m = "language_model.model.";
  const bool packed = c.kind == LlmKind::InternLM2;
  l.map("l.embed", m + (packed ? "tok_embeddings.weight" : "embed_tokens.weight"), {c.vocab, h});
  for (int i = 0; i < c.layers; ++i) {
    const std::string in = m + "layers." + std::to_string(i) + ".", out = "l." + std::to_string(i) + ".";
    if (packed) {
      // For each KV head: its query heads, then its key, then its value.
      const int64_t groups = c.heads / c.kvHeads;
      const at::Tensor wqkv = l.source().take(in + "attention.wqkv.weight");
      if (wqkv.sizes().vec() != std::vector<int64_t>{q + 2 * kv, h}) throw std::runtime_error(in + "attention.wqkv.weight has the wrong shape");
      const at::Tensor grouped = wqkv.view({c.kvHeads, groups + 2, d, h});
      l.put(out + "q.w", grouped.narrow(1, 0, groups).reshape({q, h}).contiguous(), {q, h});
      l.put(out + "k.w", grouped.select(1, groups).reshape({kv, h}).contiguous(), {kv, h});
      l.put(out + "v.w", grouped.select(1, groups + 1).reshape({kv, h}).contiguous(), {kv, h});
      l.map(out + "o.w", in + "attention.wo.weight", {h, q});
      l.map(out + "attn_norm", in + "attention_norm.weight", {h});
      l.map(out + "ffn_norm", in + "ffn_norm.weight", {h});
      l.map(out + "gate", in + "feed_forward.w1.weight", {c.intermediate, h});
      l.map(out + "up", in + "feed_forward.w3.weight", {c.intermediate, h});
      l.map(out + "down", in + "feed_forward.w2.weight", {h, c.intermediate});
    } else {
      l.map(out + "q.w", in + "self_attn.q_proj.weight", {q, h});
      l.map(out + "k.w", in + "self_attn.k_proj.weight", {kv, h});
      l.map(out + "v.w", in + "self_attn.v_proj.weight", {kv, h});
      if (c.qkvBias) {
        l.map(out + "q.b", in + "self_attn.q_proj.bias", {q});
        l.map(out + "k.b", in + "self_attn.k_proj.bias", {kv});
        l.map(out + "v.b", in + "self_attn.v_proj.bias", {kv});
      }
      l.map(out + "o.w", in + "self_attn.o_proj.weight", {h, q});
      l.map(out + "attn_norm", in + "input_layernorm.weight", {h});
      l.map(out + "ffn_norm", in + "post_attention_layernorm.weight", {h});
      l.map(out + "gate", in + "mlp.gate_proj.weight", {c.intermediate, h});
      l.map(out + "up", in + "mlp.up_proj.weight", {c.intermediate, h});
      l.map(out + "down", in + "mlp.down_proj.weight", {h, c.intermediate});
    }
  }
  l.map("l.norm", m + "norm.weight", {h});
  const std::string head = packed ? "language_model.output.weight" : "language_model.lm_head.weight";
  if (l.source().has(head)) {
    l.map("l.head", head, {c.vocab, h});
  } else if (c.tiedEmbeddings) {
    l.result()["l.head"] = l.result()["l.embed"];
  } else {
    throw std::runtime_error("checkpoint has no tensor '" + head + "' and the embeddings are not tied");
  }
}

}  // namespace

std::map<std::string, at::Tensor> loadCheckpoint(const std::string& modelDir, const ModelConfig& config,
                                                 c10::Device device, c10::ScalarType dtype, const std::string& loraDir) {
  TensorSource source(modelDir, loraDir.empty() ? std::map<std::string, LoraDelta>{} : readLora(loraDir));
  Loader loader(source, config);
  const bool hf = config.layout == CheckpointLayout::HuggingFace;
  try {
    loadVision(loader, hf);
    loadProjector(loader, hf);
    loadLanguageModel(loader);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(modelDir + ": " + e.what());
  }
  const auto unused = source.unused();
  if (!unused.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", " : "") + unused[i];
    throw std::runtime_error(modelDir + ": " + std::to_string(unused.size()) + " tensors are not part of the model (" + list +
                             (unused.size() > 5 ? ", ..." : "") + "): unsupported architecture or a LoRA adapter?");
  }
  if (const auto unmatched = source.unusedLora(); !unmatched.empty()) {
    throw std::runtime_error(loraDir + ": LoRA module '" + unmatched.front() + "' matches no weight of the base model in " + modelDir);
  }
  auto& weights = loader.result();
  for (auto& [name, tensor] : weights) tensor = tensor.to(device, dtype);
  return std::move(weights);
}

}  // namespace mspa::inference
