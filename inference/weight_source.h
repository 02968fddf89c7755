#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "inference/model_config.h"
#include "inference/safetensors.h"

namespace mspa::inference {

// One stored tensor: the mapped file that holds it and its header entry.
struct StoredTensor {
  const SafetensorsFile* file = nullptr;
  const TensorInfo* info = nullptr;
};

// A LoRA update of one base weight: W += scale · B·A (A: [r, in], B: [out, r]).
struct LoraUpdate {
  StoredTensor a, b;
  int rank = 0;
  double alpha = 0, scale = 0;
  bool fanInFanOut = false;  // the base weight is stored transposed (GPT-2 Conv1D)
};

// Where a set of LoRA updates came from and what they are, for `model info` and the loader.
struct LoraSummary {
  std::string origin;  // e.g. "InternVL fine-tune output (use_llm_lora 16)" or "PEFT adapter /x
                       // (language model only)"
  std::vector<std::string> targets;  // module names without layer numbers, e.g. "attention.wqkv"
  std::vector<int> ranks;            // distinct
  std::vector<double> alphas;        // distinct
  std::size_t modules = 0;
};

// A checkpoint's tensors under their plain (unwrapped) names, read from memory-mapped safetensors,
// with the LoRA updates it carries or an adapter brings. It understands every form a
// Multi-SpatialMLLM user has:
//  - a plain checkpoint (single file or shards with model.safetensors.index.json);
//  - InternVL's fine-tune output with --use_llm_lora / --use_backbone_lora (peft wrapping inside
//    the whole model: "language_model.base_model.model.", ".base_layer.", ".lora_A.default.");
//    alpha = 2r as internvl_chat_finetune.py sets it, r from config.json;
//  - a PEFT adapter folder (adapter_config.json + adapter_model.safetensors) saved from the whole
//    model or from the language model alone, with rank_pattern / alpha_pattern matched as peft
//    matches them.
// Throws std::runtime_error naming the file and the problem: a LoRA module that matches no
// weight, a rank that disagrees with the tensors, DoRA, an unknown tensor kind.
class WeightSource {
 public:
  WeightSource(const std::string& modelDir, const ModelConfig& config,
               const std::string& loraDir = {});
  ~WeightSource();
  WeightSource(const WeightSource&) = delete;
  WeightSource& operator=(const WeightSource&) = delete;

  const std::string& modelDir() const { return modelDir_; }
  // Base tensors by plain name (an adapter's full-module replacements already applied).
  const std::map<std::string, StoredTensor>& tensors() const { return tensors_; }
  const StoredTensor* find(const std::string& name) const;
  // LoRA updates by the plain name of the weight they change.
  const std::map<std::string, LoraUpdate>& lora() const { return lora_; }
  const std::vector<LoraSummary>& loraSummaries() const { return summaries_; }
  // The shard file each plain tensor name came from (file name only), for writing a merged copy.
  std::string shardOf(const std::string& name) const;
  // Bytes the base tensors take in a dtype of `elementSize` bytes (integer tensors as stored).
  std::size_t bytesAs(std::size_t elementSize) const;

 private:
  void readShards();
  void addFineTuneLora(const ModelConfig& config);
  void addAdapter(const std::string& dir);

  std::string modelDir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, StoredTensor> tensors_;
  std::map<std::string, LoraUpdate> lora_;
  std::map<std::string, std::string> shards_;  // plain name -> shard file name
  std::vector<LoraSummary> summaries_;
  // Raw LoRA halves of a fine-tune output, by (plain weight name, "A"/"B"), until paired.
  std::map<std::string, std::pair<StoredTensor, StoredTensor>> rawLora_;
};

// "layers.12.attention.wqkv" -> "attention.wqkv": a module name without its layer path.
std::string loraTargetName(const std::string& module);

}  // namespace mspa::inference
