#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inference/model_config.h"

namespace mspa::inference {

struct LoadOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  std::string dtype;  // "float32", "bfloat16", "float16"; empty: the checkpoint's (defaultDtype)
  // The <IMG_CONTEXT> token id when neither the config nor the tokenizer files say it.
  int imageTokenId = -1;
  // A PEFT LoRA adapter folder to merge into the weights at load time (empty: none).
  std::string loraDir;
  // Refuse, before reading any weight, a model the device has no room for (describeMemoryNeed).
  bool checkMemory = true;
};

// An InternVL2-family model (InternViT + pixel-shuffle MLP projector + InternLM2/Qwen2/Llama)
// on LibTorch, behind a header without torch types. Inputs and outputs are plain arrays:
// tiles as N×448×448×3 RGB bytes, token ids, logits as row-major floats.
class InternVLModel {
 public:
  // Loads DIR/config.json and its safetensors (single file or sharded with an index), checking
  // every tensor's presence and shape; unknown tensors are an error too. LoRA updates in the
  // folder (InternVL fine-tune output) or in `loraDir` are merged. Throws
  // std::runtime_error naming the file and problem; no partial model is returned.
  static std::unique_ptr<InternVLModel> load(const std::string& modelDir, const LoadOptions& options = {});
  ~InternVLModel();

  const ModelConfig& config() const;
  int imageTokenId() const;
  std::string device() const;
  std::string dtype() const;
  std::size_t weightBytes() const;  // what the weights occupy on the device
  // Of those, what is read in place from the memory-mapped checkpoint (CPU, no conversion).
  std::size_t weightBytesInPlace() const;

  // Projector outputs for the tiles: [count · tokensPerTile, hidden] floats.
  std::vector<float> visionEmbeddings(const std::uint8_t* tiles, int count);

  // Runs the prompt (image-token positions take the tiles' embeddings in order), fills the KV
  // cache and returns the logits of the last `lastPositions` positions: [lastPositions, vocab].
  std::vector<float> prefill(const std::vector<std::int64_t>& ids, const std::uint8_t* tiles, int tileCount,
                             int lastPositions = 1);
  // Feeds one token after the cached sequence; returns its logits [vocab].
  std::vector<float> step(std::int64_t token);
  int cachedPositions() const;
  // Milliseconds the last prefill spent in the vision encoder and projector.
  double lastVisionMilliseconds() const;

 private:
  struct Impl;
  explicit InternVLModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mspa::inference
