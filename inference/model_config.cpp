#include "inference/model_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mspa::inference {
namespace {

class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& problem) const { throw std::runtime_error(path_ + ": " + problem); }

  const nlohmann::json& section(const nlohmann::json& j, const char* key) const {
    if (!j.contains(key) || !j[key].is_object()) fail(std::string("missing \"") + key + "\" section");
    return j[key];
  }

  template <typename T>
  T required(const nlohmann::json& j, const char* key, const char* where) const {
    if (!j.contains(key) || j[key].is_null()) fail(std::string(where) + " has no \"" + key + "\"");
    try {
      return j[key].get<T>();
    } catch (const nlohmann::json::exception&) {
      fail(std::string(where) + " field \"" + key + "\" has the wrong type: " + j[key].dump());
    }
  }

  // A non-negative integer that defaults to 0 (LoRA ranks).
  int count(const nlohmann::json& j, const char* key) const {
    if (!j.contains(key) || j[key].is_null()) return 0;
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 0 || j[key].get<std::int64_t>() > 1 << 20) {
      fail(std::string("\"") + key + "\" must be a non-negative integer, not " + j[key].dump());
    }
    return j[key].get<int>();
  }

  // Sizes that come as a number or as [n, n].
  int size(const nlohmann::json& j, const char* key, int fallback) const {
    if (!j.contains(key)) return fallback;
    return j[key].is_array() ? j[key][0].get<int>() : j[key].get<int>();
  }

 private:
  std::string path_;
};

LlmKind llmKind(const std::string& modelType, const ConfigReader& reader) {
  if (modelType == "internlm2") return LlmKind::InternLM2;
  if (modelType == "qwen2") return LlmKind::Qwen2;
  if (modelType == "llama") return LlmKind::Llama;
  reader.fail("unsupported language model \"" + modelType + "\" (InternLM2, Qwen2 and Llama are supported)");
}

void readVision(const nlohmann::json& v, const ConfigReader& r, VisionConfig& out) {
  const char* where = "vision_config";
  out.hidden = r.required<int>(v, "hidden_size", where);
  out.layers = r.required<int>(v, "num_hidden_layers", where);
  out.heads = r.required<int>(v, "num_attention_heads", where);
  out.intermediate = r.required<int>(v, "intermediate_size", where);
  out.imageSize = r.size(v, "image_size", 448);
  out.patchSize = r.size(v, "patch_size", 14);
  out.normEps = v.value("layer_norm_eps", 1e-6);
  out.rmsNorm = v.value("norm_type", "layer_norm") == "rms_norm";
  out.qkNorm = v.value("qk_normalization", v.value("use_qk_norm", false));
  out.qkvBias = v.value("qkv_bias", v.value("attention_bias", true));
  if (out.heads <= 0 || out.hidden % out.heads != 0) r.fail("vision hidden_size is not a multiple of num_attention_heads");
}

void readLlm(const nlohmann::json& t, const ConfigReader& r, LlmConfig& out) {
  const char* where = "language model config";
  out.kind = llmKind(r.required<std::string>(t, "model_type", where), r);
  out.hidden = r.required<int>(t, "hidden_size", where);
  out.layers = r.required<int>(t, "num_hidden_layers", where);
  out.heads = r.required<int>(t, "num_attention_heads", where);
  out.kvHeads = t.value("num_key_value_heads", out.heads);
  out.intermediate = r.required<int>(t, "intermediate_size", where);
  out.vocab = r.required<int>(t, "vocab_size", where);
  if (out.heads <= 0 || out.hidden % out.heads != 0 || out.kvHeads <= 0 || out.heads % out.kvHeads != 0) {
    r.fail("attention heads do not divide hidden_size and num_key_value_heads");
  }
  out.headDim = t.contains("head_dim") && t["head_dim"].is_number() ? t["head_dim"].get<int>() : out.hidden / out.heads;
  out.normEps = t.value("rms_norm_eps", 1e-6);
  out.ropeTheta = t.value("rope_theta", 10000.0);
  if (t.contains("rope_parameters") && t["rope_parameters"].is_object()) {
    out.ropeTheta = t["rope_parameters"].value("rope_theta", out.ropeTheta);
  }
  if (t.contains("rope_scaling") && t["rope_scaling"].is_object()) {
    out.ropeScaling = t["rope_scaling"].value("type", t["rope_scaling"].value("rope_type", ""));
    out.ropeFactor = t["rope_scaling"].value("factor", 1.0);
  }
  out.maxPositions = t.value("max_position_embeddings", 32768);
  out.qkvBias = out.kind == LlmKind::Qwen2 || t.value("attention_bias", t.value("bias", false));
  out.tiedEmbeddings = t.value("tie_word_embeddings", false);
}

}  // namespace

int ModelConfig::tokensPerTile() const {
  const int side = static_cast<int>(vision.imageSize / vision.patchSize * downsampleRatio);
  return side * side;
}

const char* llmKindName(LlmKind kind) {
  switch (kind) {
    case LlmKind::InternLM2: return "InternLM2";
    case LlmKind::Qwen2: return "Qwen2";
    case LlmKind::Llama: return "Llama";
  }
  return "?";
}

// eos_token_id comes as one id or a list.
std::vector<std::int64_t> eosIds(const nlohmann::json& j) {
  const auto value = j.value("eos_token_id", nlohmann::json());
  if (value.is_number_integer()) return {value.get<std::int64_t>()};
  if (value.is_array()) return value.get<std::vector<std::int64_t>>();
  return {};
}

// transformers writes "torch_dtype" (before 4.56) or "dtype", at the top or in the LLM's section.
std::string torchDtype(const nlohmann::json& j) {
  for (const char* section : {"", "llm_config", "text_config"}) {
    const nlohmann::json& s = *section ? j.value(section, nlohmann::json::object()) : j;
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

ModelConfig readModelConfig(const std::string& modelDir) {
  const std::string path = modelDir + "/config.json";
  const ConfigReader reader(path);
  std::ifstream in(path);
  if (!in) reader.fail("cannot open (is this a model folder?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    reader.fail(std::string("invalid JSON: ") + e.what());
  }
  ModelConfig config;
  if (j.contains("llm_config")) {
    config.layout = CheckpointLayout::Original;
    readLlm(reader.section(j, "llm_config"), reader, config.llm);
    config.eosIds = eosIds(j["llm_config"]);
    config.templateName = j.value("template", "");
    if (j.contains("system_message") && j["system_message"].is_string()) config.systemMessage = j["system_message"].get<std::string>();
    config.llmLoraRank = reader.count(j, "use_llm_lora");
    config.visionLoraRank = reader.count(j, "use_backbone_lora");
    if (j.value("ps_version", "v2") != "v2") reader.fail("only ps_version v2 is supported");
  } else if (j.contains("text_config")) {
    config.layout = CheckpointLayout::HuggingFace;
    readLlm(reader.section(j, "text_config"), reader, config.llm);
    config.eosIds = eosIds(j["text_config"]);
    config.imageTokenId = j.value("image_token_id", -1);
  } else {
    const auto architectures = j.value("architectures", nlohmann::json::array());
    reader.fail("not an InternVL checkpoint (no llm_config or text_config; architectures " + architectures.dump() + ")");
  }
  readVision(reader.section(j, "vision_config"), reader, config.vision);
  config.downsampleRatio = j.value("downsample_ratio", 0.5);
  config.torchDtype = torchDtype(j);
  std::ifstream generation(modelDir + "/generation_config.json");
  if (generation) {
    const auto g = nlohmann::json::parse(generation, nullptr, false);
    if (g.is_discarded()) throw std::runtime_error(modelDir + "/generation_config.json: invalid JSON");
    if (const auto ids = eosIds(g); !ids.empty()) config.eosIds = ids;
  }
  return config;
}

}  // namespace mspa::inference
