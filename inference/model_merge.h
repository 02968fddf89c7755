#pragma once

#include <string>

namespace mspa::inference {

struct MergeSummary {
  std::size_t tensors = 0, mergedTensors = 0, shards = 0;
  double gigabytes = 0;
};

// Writes `outDir` as a plain checkpoint in the input's layout that vLLM, LMDeploy and
// transformers load: every LoRA update (the folder's own, from InternVL's fine-tuning, and
// `loraDir`'s) merged into its weight in float32 and stored in the weight's dtype, peft's
// wrapping removed from the names, the same shards with a new index, config.json with
// use_llm_lora and use_backbone_lora set to 0, and the other files (tokenizer, generation
// config, code) copied. One tensor is in memory at a time. Throws std::runtime_error naming the
// file; refuses an `outDir` that is the input or is not empty.
MergeSummary mergeCheckpoint(const std::string& modelDir, const std::string& loraDir,
                             const std::string& outDir);

}  // namespace mspa::inference
