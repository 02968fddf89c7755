#include "inference/weight_source.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void replaceFirst(std::string& s, const std::string& from, const std::string& to) {
  if (const auto at = s.find(from); at != std::string::npos) s.replace(at, from.size(), to);
}

template <typename Json>
Json readJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(path.string() + ": not a JSON object");
  return j;
}

std::vector<std::string> shardPaths(const std::string& dir) {
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (!fs::exists(index)) {
    const fs::path single = fs::path(dir) / "model.safetensors";
    if (!fs::exists(single))
      throw std::runtime_error(dir + ": no model.safetensors or model.safetensors.index.json");
    return {single.string()};
  }
  const auto j = readJsonFile<nlohmann::json>(index);
  if (!j.contains("weight_map") || !j["weight_map"].is_object())
    throw std::runtime_error(index.string() + ": no weight_map");
  std::set<std::string> files;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string() || fs::path(file.get<std::string>()).has_parent_path()) {
      throw std::runtime_error(index.string() + ": weight_map entry for '" + name +
                               "' is not a file name in the folder");
    }
    files.insert((fs::path(dir) / file.get<std::string>()).string());
  }
  return {files.begin(), files.end()};
}

// A LoRA tensor name split into its module and half: "M.lora_A.weight" or
// "M.lora_A.<adapter>.weight".
struct LoraName {
  std::string module;
  bool isA = false;
};

bool parseLoraName(const std::string& name, LoraName& out) {
  for (const char* half : {".lora_A.", ".lora_B."}) {
    const auto at = name.find(half);
    if (at == std::string::npos) continue;
    const std::string rest = name.substr(at + 8);
    if (rest != "weight" && (rest.size() < 8 || rest.compare(rest.size() - 7, 7, ".weight") != 0))
      return false;
    out = {name.substr(0, at), half[6] == 'A'};
    return true;
  }
  return false;
}

// peft's get_pattern_key (peft/utils/other.py): the first pattern, in the file's order, with
// re.match(rf"(.*\.)?({key})$", module); the module's own name when none matches.
template <typename Json>
double patternValue(const Json& patterns, const std::string& module, double fallback,
                    const std::string& where) {
  if (!patterns.is_object()) return fallback;
  for (const auto& [key, value] : patterns.items()) {
    try {
      if (std::regex_match(module, std::regex("(.*\\.)?(" + key + ")"))) {
        if (!value.is_number())
          throw std::runtime_error(where + ": pattern '" + key + "' has no number");
        return value.template get<double>();
      }
    } catch (const std::regex_error&) {
      throw std::runtime_error(where + ": pattern '" + key + "' is not a regular expression");
    }
  }
  return fallback;
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void checkLoraShapes(const std::string& weight, const StoredTensor& base, const LoraUpdate& u,
                     const std::string& where) {
  const auto& a = u.a.info->shape;
  const auto& b = u.b.info->shape;
  if (a.size() != 2 || b.size() != 2 || a[0] != u.rank || b[1] != u.rank) {
    throw std::runtime_error(where + ": LoRA for '" + weight + "' has lora_A " + shapeText(a) +
                             " and lora_B " + shapeText(b) + ", which disagree with rank " +
                             std::to_string(u.rank));
  }
  std::vector<std::int64_t> product = {b[0], a[1]};
  if (u.fanInFanOut) std::swap(product[0], product[1]);
  if (base.info->shape != product) {
    throw std::runtime_error(where + ": LoRA update for '" + weight + "' is " + shapeText(product) +
                             " but the weight is " + shapeText(base.info->shape) +
                             ": it does not fit the weight's shape");
  }
}

template <typename T>
void addDistinct(std::vector<T>& values, const T& v) {
  if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
}

void summarize(LoraSummary& s, const std::string& weight, const LoraUpdate& u) {
  ++s.modules;
  addDistinct(s.targets, loraTargetName(weight.substr(0, weight.size() - 7)));
  addDistinct(s.ranks, u.rank);
  addDistinct(s.alphas, u.alpha);
}

}  // namespace

std::string loraTargetName(const std::string& module) {
  static const std::regex layerPath(R"(.*\.\d+\.)");
  std::smatch m;
  return std::regex_search(module, m, layerPath) && m.position(0) == 0 ? module.substr(m.length(0))
                                                                       : module;
}

WeightSource::WeightSource(const std::string& modelDir, const ModelConfig& config,
                           const std::string& loraDir)
    : modelDir_(modelDir) {
  readShards();
  addFineTuneLora(config);
  if (loraDir.empty()) return;
  try {
    addAdapter(loraDir);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    throw std::runtime_error((fs::path(loraDir) / "adapter_config.json").string() + ": " +
                             e.what());
  }
}

WeightSource::~WeightSource() = default;

void WeightSource::readShards() {
  for (const auto& path : shardPaths(modelDir_)) {
    files_.push_back(std::make_unique<SafetensorsFile>(path));
    const SafetensorsFile& file = *files_.back();
    for (const auto& t : file.tensors()) {
      std::string name = t.name;
      // InternVL's fine-tune output: peft wraps the language and vision models in place.
      replaceFirst(name, "language_model.base_model.model.", "language_model.");
      replaceFirst(name, "vision_model.base_model.model.", "vision_model.");
      if (name.find(".lora_magnitude_vector") != std::string::npos) {
        throw std::runtime_error(
            path + ": '" + t.name +
            "' is a DoRA tensor; DoRA adapters are not supported (merge them with peft first)");
      }
      LoraName lora;
      if (parseLoraName(name, lora)) {
        auto& halves = rawLora_[lora.module + ".weight"];
        (lora.isA ? halves.first : halves.second) = {&file, &t};
        continue;
      }
      replaceFirst(name, ".base_layer.", ".");
      if (!tensors_.emplace(name, StoredTensor{&file, &t}).second) {
        throw std::runtime_error(path + ": tensor '" + name + "' appears twice in the checkpoint");
      }
      shards_[name] = fs::path(path).filename().string();
    }
  }
}

void WeightSource::addFineTuneLora(const ModelConfig& config) {
  LoraSummary llm{"InternVL fine-tune output (use_llm_lora " + std::to_string(config.llmLoraRank) +
                  ", lora_alpha " + std::to_string(2 * config.llmLoraRank) + ")"};
  LoraSummary vision{"InternVL fine-tune output (use_backbone_lora " +
                     std::to_string(config.visionLoraRank) + ", lora_alpha " +
                     std::to_string(2 * config.visionLoraRank) + ")"};
  const std::string configPath = modelDir_ + "/config.json";
  for (const auto& [weight, halves] : rawLora_) {
    const bool isLlm = startsWith(weight, "language_model.");
    const int rank = isLlm                                 ? config.llmLoraRank
                     : startsWith(weight, "vision_model.") ? config.visionLoraRank
                                                           : 0;
    const std::string where = (halves.first.file ? halves.first.file : halves.second.file)->path();
    if (rank == 0) {
      throw std::runtime_error(
          where + ": holds LoRA tensors for '" + weight + "' but " + configPath + " sets " +
          (isLlm ? "use_llm_lora" : "use_backbone_lora") + " to 0 (or not at all)");
    }
    if (!halves.first.file || !halves.second.file)
      throw std::runtime_error(where + ": '" + weight + "' lacks lora_A or lora_B");
    const auto base = tensors_.find(weight);
    if (base == tensors_.end())
      throw std::runtime_error(where + ": LoRA module '" + weight +
                               "' matches no weight of the model");
    // internvl_chat_finetune.py: wrap_llm_lora / wrap_backbone_lora(r, lora_alpha=2r).
    const LoraUpdate update{halves.first, halves.second, rank, 2.0 * rank, 2.0, false};
    checkLoraShapes(weight, base->second, update, where);
    lora_[weight] = update;
    summarize(isLlm ? llm : vision, weight, update);
  }
  for (auto* s : {&llm, &vision}) {
    if (s->modules > 0) summaries_.push_back(*s);
  }
  rawLora_.clear();
}

void WeightSource::addAdapter(const std::string& dir) {
  const fs::path configPath = fs::path(dir) / "adapter_config.json";
  if (!fs::exists(configPath))
    throw std::runtime_error(configPath.string() + ": cannot open (is this a PEFT LoRA adapter?)");
  // ordered_json: peft tries rank_pattern / alpha_pattern keys in the file's order.
  const auto config = readJsonFile<nlohmann::ordered_json>(configPath);
  const std::string where = configPath.string();
  if (config.value("peft_type", "LORA") != "LORA")
    throw std::runtime_error(where + ": not a LoRA adapter");
  if (config.value("use_dora", false))
    throw std::runtime_error(where +
                             ": DoRA adapters are not supported (merge them with peft first)");
  const double r = config.value("r", 0.0), alpha = config.value("lora_alpha", r);
  if (r <= 0) throw std::runtime_error(where + ": no positive \"r\"");
  const bool rslora = config.value("use_rslora", false),
             fanInFanOut = config.value("fan_in_fan_out", false);
  const fs::path weightsPath = fs::path(dir) / "adapter_model.safetensors";
  if (!fs::exists(weightsPath) && fs::exists(fs::path(dir) / "adapter_model.bin")) {
    throw std::runtime_error(dir +
                             ": adapter_model.bin is a pickle, which is not read; save the adapter "
                             "with safe_serialization");
  }
  files_.push_back(std::make_unique<SafetensorsFile>(weightsPath.string()));
  const SafetensorsFile& file = *files_.back();
  // A module path as peft saved it, relative to the model it wrapped: the whole model, or the
  // language (vision) model alone.
  const auto resolve = [&](const std::string& module) -> std::string {
    for (const char* prefix : {"", "language_model.", "vision_model."}) {
      if (tensors_.count(prefix + module + ".weight")) return prefix + module;
    }
    return {};
  };
  std::map<std::string, std::pair<StoredTensor, StoredTensor>> pairs;
  std::map<std::string, std::string>
      moduleOf;  // plain weight name -> module as the adapter names it
  bool languageOnly = false;
  for (const auto& t : file.tensors()) {
    std::string name = t.name;
    if (startsWith(name, "base_model.model.")) name.erase(0, 17);
    LoraName lora;
    if (!parseLoraName(name, lora)) {
      // modules_to_save: a whole module's trained copy replaces the base tensor.
      const auto dot = name.rfind('.');
      const std::string module = dot == std::string::npos ? "" : resolve(name.substr(0, dot));
      if (module.empty() || !tensors_.count(module + name.substr(dot))) {
        throw std::runtime_error(file.path() + ": tensor '" + t.name +
                                 "' is neither a LoRA half nor a weight of the model in " +
                                 modelDir_);
      }
      tensors_[module + name.substr(dot)] = {&file, &t};
      continue;
    }
    const std::string module = resolve(lora.module);
    if (module.empty()) {
      throw std::runtime_error(dir + ": LoRA module '" + lora.module +
                               "' matches no weight of the base model in " + modelDir_);
    }
    languageOnly = languageOnly || (!startsWith(lora.module, "language_model.") &&
                                    startsWith(module, "language_model."));
    auto& halves = pairs[module + ".weight"];
    (lora.isA ? halves.first : halves.second) = {&file, &t};
    moduleOf[module + ".weight"] = lora.module;
  }
  LoraSummary summary{"PEFT adapter " + dir +
                      (languageOnly ? " (saved from the language model alone)" : "")};
  for (const auto& [weight, halves] : pairs) {
    if (!halves.first.file || !halves.second.file)
      throw std::runtime_error(file.path() + ": '" + weight + "' lacks lora_A or lora_B");
    const std::string& module = moduleOf[weight];
    const double moduleRank =
        patternValue(config.value("rank_pattern", nlohmann::ordered_json()), module, r, where);
    const double moduleAlpha =
        patternValue(config.value("alpha_pattern", nlohmann::ordered_json()), module, alpha, where);
    const auto stored = halves.first.info->shape.empty() ? 0 : halves.first.info->shape[0];
    if (stored != static_cast<std::int64_t>(moduleRank)) {
      throw std::runtime_error(
          where + ": module '" + module + "' has rank " + std::to_string(stored) +
          " in its tensors but r = " + std::to_string(static_cast<std::int64_t>(moduleRank)) +
          " in the config");
    }
    const int rank = static_cast<int>(moduleRank);
    LoraUpdate update{halves.first,
                      halves.second,
                      rank,
                      moduleAlpha,
                      rslora ? moduleAlpha / std::sqrt(moduleRank) : moduleAlpha / moduleRank,
                      fanInFanOut};
    checkLoraShapes(weight, tensors_.at(weight), update, file.path());
    if (lora_.count(weight))
      throw std::runtime_error(dir + ": '" + weight + "' already has a LoRA update in " +
                               modelDir_);
    lora_[weight] = update;
    summarize(summary, weight, update);
  }
  if (summary.modules == 0) throw std::runtime_error(file.path() + ": holds no LoRA tensors");
  summaries_.push_back(summary);
}

const StoredTensor* WeightSource::find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::string WeightSource::shardOf(const std::string& name) const {
  const auto it = shards_.find(name);
  return it == shards_.end() ? std::string() : it->second;
}

std::size_t WeightSource::bytesAs(std::size_t elementSize) const {
  std::size_t bytes = 0;
  for (const auto& [name, t] : tensors_) {
    const bool floating = t.info->dtype == DType::F32 || t.info->dtype == DType::F16 ||
                          t.info->dtype == DType::BF16 || t.info->dtype == DType::F64;
    bytes += floating ? static_cast<std::size_t>(t.info->numel()) * elementSize
                      : t.info->end - t.info->begin;
  }
  return bytes;
}

}  // namespace mspa::inference
