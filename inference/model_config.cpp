#include "inference/model_config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

namespace mspa::inference {
namespace {

class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(path_ + ": " + problem);
  }

  const nlohmann::json& section(const nlohmann::json& j, const char* key) const {
    if (!j.contains(key) || !j[key].is_object())
      fail(std::string("missing \"") + key + "\" section");
    return j[key];
  }

  std::string text(const nlohmann::json& j, const char* key, const char* where) const {
    if (!j.contains(key) || !j[key].is_string())
      fail(std::string(where) + " has no \"" + key + "\" text");
    return j[key].get<std::string>();
  }

  // An integer in [least, most]: required, or `fallback` when absent. Sizes may come as [n, n].
  int integer(const nlohmann::json& j, const char* key, const char* where, std::int64_t least,
              std::int64_t most, std::optional<int> fallback = std::nullopt) const {
    if (!j.contains(key) || j[key].is_null()) {
      if (fallback) return *fallback;
      fail(std::string(where) + " has no \"" + key + "\"");
    }
    const nlohmann::json& v = j[key].is_array() && !j[key].empty() ? j[key][0] : j[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < least || v.get<std::int64_t>() > most) {
      fail(std::string(where) + " field \"" + key + "\" must be an integer from " +
           std::to_string(least) + " to " + std::to_string(most) + ", not " + j[key].dump());
    }
    return static_cast<int>(v.get<std::int64_t>());
  }

  // A finite number in (least, most]: `fallback` when absent.
  double number(const nlohmann::json& j, const char* key, const char* where, double least,
                double most, double fallback) const {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number() || !(j[key].get<double>() > least && j[key].get<double>() <= most)) {
      fail(std::string(where) + " field \"" + key + "\" must be a number above " +
           std::to_string(least) + " and at most " + std::to_string(most) + ", not " +
           j[key].dump());
    }
    return j[key].get<double>();
  }

  bool flag(const nlohmann::json& j, const char* key, bool fallback) const {
    return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
  }

 private:
  std::string path_;
};

// Limits far above every released model: a value beyond them is a corrupt or hostile file.
constexpr std::int64_t kMaxWidth = 1 << 16, kMaxLayers = 1 << 10, kMaxVocab = 1 << 24,
                       kMaxPositions = 1 << 24;

LlmKind llmKind(const std::string& modelType, const ConfigReader& reader) {
  if (modelType == "internlm2") return LlmKind::InternLM2;
  if (modelType == "qwen2") return LlmKind::Qwen2;
  if (modelType == "llama") return LlmKind::Llama;
  reader.fail("unsupported language model \"" + modelType +
              "\" (InternLM2, Qwen2 and Llama are supported)");
}

void readVision(const nlohmann::json& v, const ConfigReader& r, VisionConfig& out) {
  const char* where = "vision_config";
  out.hidden = r.integer(v, "hidden_size", where, 1, kMaxWidth);
  out.layers = r.integer(v, "num_hidden_layers", where, 1, kMaxLayers);
  out.heads = r.integer(v, "num_attention_heads", where, 1, kMaxWidth);
  out.intermediate = r.integer(v, "intermediate_size", where, 1, 4 * kMaxWidth);
  out.imageSize = r.integer(v, "image_size", where, 1, 8192, 448);
  out.patchSize = r.integer(v, "patch_size", where, 1, out.imageSize, 14);
  out.normEps = r.number(v, "layer_norm_eps", where, 0, 1, 1e-6);
  out.rmsNorm = v.contains("norm_type") && v["norm_type"] == "rms_norm";
  out.qkNorm = r.flag(v, "qk_normalization", r.flag(v, "use_qk_norm", false));
  out.qkvBias = r.flag(v, "qkv_bias", r.flag(v, "attention_bias", true));
  if (out.hidden % out.heads != 0)
    r.fail("vision hidden_size is not a multiple of num_attention_heads");
}

void readLlm(const nlohmann::json& t, const ConfigReader& r, LlmConfig& out) {
  const char* where = "language model config";
  out.kind = llmKind(r.text(t, "model_type", where), r);
  out.hidden = r.integer(t, "hidden_size", where, 1, kMaxWidth);
  out.layers = r.integer(t, "num_hidden_layers", where, 1, kMaxLayers);
  out.heads = r.integer(t, "num_attention_heads", where, 1, kMaxWidth);
  out.kvHeads = r.integer(t, "num_key_value_heads", where, 1, out.heads, out.heads);
  out.intermediate = r.integer(t, "intermediate_size", where, 1, 4 * kMaxWidth);
  out.vocab = r.integer(t, "vocab_size", where, 1, kMaxVocab);
  if (out.hidden % out.heads != 0 || out.heads % out.kvHeads != 0) {
    r.fail("attention heads do not divide hidden_size and num_key_value_heads");
  }
  out.headDim = r.integer(t, "head_dim", where, 1, kMaxWidth, out.hidden / out.heads);
  out.normEps = r.number(t, "rms_norm_eps", where, 0, 1, 1e-6);
  out.ropeTheta = r.number(t, "rope_theta", where, 0, 1e12, 10000.0);
  if (t.contains("rope_parameters") && t["rope_parameters"].is_object()) {
    out.ropeTheta = r.number(t["rope_parameters"], "rope_theta", where, 0, 1e12, out.ropeTheta);
  }
  if (t.contains("rope_scaling") && t["rope_scaling"].is_object()) {
    const auto& scaling = t["rope_scaling"];
    for (const char* key : {"rope_type", "type"}) {
      if (scaling.contains(key) && scaling[key].is_string())
        out.ropeScaling = scaling[key].get<std::string>();
    }
    out.ropeFactor = r.number(scaling, "factor", where, 0, 1e6, 1.0);
  }
  out.maxPositions = r.integer(t, "max_position_embeddings", where, 1, kMaxPositions, 32768);
  out.qkvBias = out.kind == LlmKind::Qwen2 || r.flag(t, "attention_bias", r.flag(t, "bias", false));
  out.tiedEmbeddings = r.flag(t, "tie_word_embeddings", false);
}

}  // namespace

int ModelConfig::tokensPerTile() const {
  const int side = static_cast<int>(vision.imageSize / vision.patchSize * downsampleRatio);
  return side * side;
}

const char* llmKindName(LlmKind kind) {
  switch (kind) {
    case LlmKind::InternLM2:
      return "InternLM2";
    case LlmKind::Qwen2:
      return "Qwen2";
    case LlmKind::Llama:
      return "Llama";
  }
  return "?";
}

// eos_token_id comes as one id or a list; entries that are not ids are ignored.
std::vector<std::int64_t> eosIds(const nlohmann::json& j) {
  const auto value =
      j.is_object() && j.contains("eos_token_id") ? j["eos_token_id"] : nlohmann::json();
  std::vector<std::int64_t> ids;
  for (const auto& id : value.is_array() ? value : nlohmann::json::array({value})) {
    if (id.is_number_integer() && id.get<std::int64_t>() >= 0)
      ids.push_back(id.get<std::int64_t>());
  }
  return ids;
}

// transformers writes "torch_dtype" (before 4.56) or "dtype", at the top or in the LLM's section.
std::string torchDtype(const nlohmann::json& j) {
  for (const char* section : {"", "llm_config", "text_config"}) {
    const nlohmann::json& s = !*section             ? j
                              : j.contains(section) ? j[section]
                                                    : nlohmann::json::object();
    for (const char* key : {"torch_dtype", "dtype"}) {
      if (s.is_object() && s.contains(key) && s[key].is_string()) return s[key].get<std::string>();
    }
  }
  return "";
}

std::string defaultDtype(const ModelConfig& config, const std::string& device) {
  if (config.torchDtype == "bfloat16") return "bfloat16";
  if (config.torchDtype == "float16") return device == "cpu" ? "float32" : "float16";
  return "float32";
}

std::string storageDtype(const ModelConfig& config, const std::string& device,
                         const std::string& requested) {
  return requested.empty() || requested == "auto" ? defaultDtype(config, device) : requested;
}

ModelConfig readModelConfig(const std::string& modelDir) {
  ModelConfig config = readModelConfigFile(modelDir + "/config.json");
  std::ifstream generation(modelDir + "/generation_config.json");
  if (generation) {
    const auto g = nlohmann::json::parse(generation, nullptr, false);
    if (g.is_discarded())
      throw std::runtime_error(modelDir + "/generation_config.json: invalid JSON");
    if (const auto ids = eosIds(g); !ids.empty()) config.eosIds = ids;
  }
  return config;
}

ModelConfig readModelConfigFile(const std::string& path) {
  const ConfigReader reader(path);
  std::ifstream in(path);
  if (!in) reader.fail("cannot open (is this a model folder?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    reader.fail(std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) reader.fail("not a JSON object");
  ModelConfig config;
  if (j.contains("llm_config")) {
    config.layout = CheckpointLayout::Original;
    readLlm(reader.section(j, "llm_config"), reader, config.llm);
    config.eosIds = eosIds(j["llm_config"]);
    config.templateName =
        j.contains("template") && j["template"].is_string() ? j["template"].get<std::string>() : "";
    if (j.contains("system_message") && j["system_message"].is_string())
      config.systemMessage = j["system_message"].get<std::string>();
    config.llmLoraRank = reader.integer(j, "use_llm_lora", "config", 0, 1 << 16, 0);
    config.visionLoraRank = reader.integer(j, "use_backbone_lora", "config", 0, 1 << 16, 0);
    if (j.contains("ps_version") && j["ps_version"] != "v2")
      reader.fail("only ps_version v2 is supported");
  } else if (j.contains("text_config")) {
    config.layout = CheckpointLayout::HuggingFace;
    readLlm(reader.section(j, "text_config"), reader, config.llm);
    config.eosIds = eosIds(j["text_config"]);
    config.imageTokenId = reader.integer(j, "image_token_id", "config", 0, kMaxVocab, -1);
  } else {
    reader.fail("not an InternVL checkpoint (no llm_config or text_config; architectures " +
                (j.contains("architectures") ? j["architectures"].dump() : std::string("[]")) +
                ")");
  }
  readVision(reader.section(j, "vision_config"), reader, config.vision);
  config.downsampleRatio = reader.number(j, "downsample_ratio", "config", 0, 1, 0.5);
  const double side = config.vision.imageSize / config.vision.patchSize * config.downsampleRatio;
  if (side < 1 || side != std::floor(side)) {
    reader.fail(
        "image_size / patch_size * downsample_ratio must be a whole number of tokens per side, "
        "not " +
        std::to_string(side));
  }
  const double projected = config.vision.hidden / (config.downsampleRatio * config.downsampleRatio);
  if (projected != std::floor(projected))
    reader.fail("vision hidden_size / downsample_ratio² must be a whole number of channels, not " +
                std::to_string(projected));
  config.torchDtype = torchDtype(j);
  return config;
}

}  // namespace mspa::inference
