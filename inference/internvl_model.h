#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inference/model_config.h"

namespace mspa::inference {

struct LoadOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  // "float32", "bfloat16", "float16", or "auto" (or empty): the checkpoint's own (defaultDtype)
  // with, on the CPU, arithmetic in whichever of bfloat16 and float32 multiplies faster here.
  std::string dtype;
  // The <IMG_CONTEXT> token id when neither the config nor the tokenizer files say it.
  int imageTokenId = -1;
  // A PEFT LoRA adapter folder to merge into the weights at load time (empty: none).
  std::string loraDir;
  // Refuse, before reading any weight, a model the device has no room for (describeMemoryNeed).
  bool checkMemory = true;
  // On CUDA, record the decode step as a CUDA graph and replay it (where the build supports it).
  bool cudaGraphs = true;
  // Decode through the fixed-shape step that graphs record, without recording (for tests on the
  // CPU; a CUDA graph implies it).
  bool fixedShapeDecode = false;
  // On the CPU, move the language model's matrices into transparent huge pages where the kernel
  // offers them (huge_pages.h), and keep the KV cache there; off leaves both out, to measure the
  // difference.
  bool hugePages = true;
};

class TokenSampler;

// Tiles of one or more images, back to back: N×448×448×3 RGB bytes in all.
struct ImageTiles {
  const std::uint8_t* data = nullptr;
  std::vector<int> perImage;  // tiles of each image, in order
  int count() const;
};

// Frames asked about again skip the vision encoder: embeddings are kept per image (keyed by its
// tiles' bytes), least recently used first out once `capacityBytes` is exceeded.
struct VisionCacheStats {
  std::size_t hits = 0, misses = 0, entries = 0, bytes = 0, capacityBytes = 0;
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
  static std::unique_ptr<InternVLModel> load(const std::string& modelDir,
                                             const LoadOptions& options = {});
  // The full-size model a config.json describes, with random weights and no files: for speed
  // and memory measurements only. The image token id is the config's, else the last id.
  static std::unique_ptr<InternVLModel> withRandomWeights(const std::string& configPath,
                                                          const LoadOptions& options = {});
  ~InternVLModel();

  const ModelConfig& config() const;
  int imageTokenId() const;
  std::string device() const;
  std::string dtype() const;        // storage, and "(float32 arithmetic)" when that differs
  std::size_t weightBytes() const;  // what the weights occupy on the device
  // Of those, what one decode step reads: the language model's matrices and head.
  std::size_t languageWeightBytes() const;
  std::size_t kvBytesPerPosition() const;
  std::string arithmeticDtype() const;  // the activations' dtype
  // Of the weights, what is read in place from the memory-mapped checkpoint (CPU, no conversion).
  std::size_t weightBytesInPlace() const;
  // Of the weights, what the kernel holds in huge pages now (0 where it offers none).
  std::size_t weightBytesInHugePages() const;

  // Projector outputs for the tiles, uncached: [count · tokensPerTile, hidden] floats.
  std::vector<float> visionEmbeddings(const std::uint8_t* tiles, int count);

  // Runs the prompt (image-token positions take the images' embeddings in order) through the
  // decoder in chunks, into a KV cache with room for `newTokens` more, and keeps the logits of
  // the last `keepLogits` positions on the device.
  void prefill(const std::vector<std::int64_t>& ids, const ImageTiles& images, int newTokens = 0,
               int keepLogits = 1);
  // Feeds one token after the cached sequence; its logits replace the kept ones.
  void step(std::int64_t token);
  // The kept logits on the host: [sequences, positions, vocab] floats.
  std::vector<float> logits() const;
  // The next token from the last position's logits, picked on the device.
  std::int64_t sample(TokenSampler& sampler);

  // Several prompts at once, each with its images: left-padded to the longest (each sequence's
  // positions count from its own first token and padding is never attended to), so that
  // every step decodes one token of every sequence.
  void prefillBatch(const std::vector<std::vector<std::int64_t>>& prompts,
                    const std::vector<ImageTiles>& images, int newTokens = 0, int keepLogits = 1);
  void stepBatch(const std::vector<std::int64_t>& tokens);                     // one per sequence
  std::vector<std::int64_t> sampleBatch(std::vector<TokenSampler>& samplers);  // one per sequence

  // Where the last `queries` positions of `ids` look: their attention over every position,
  // averaged over heads and over the layers firstLayer..lastLayer, as [queries, ids.size()]
  // row-major floats, each row summing to 1. Decoding never pays for it: the query positions go
  // through the decoder again after the answer, from the KV cache when it holds the positions
  // before them (the model has just answered `ids`), else after a prefill of those positions
  // (with `images`). The queries must come after the images. Throws std::invalid_argument naming
  // a layer range outside the model.
  std::vector<float> attentionMap(const std::vector<std::int64_t>& ids, const ImageTiles& images,
                                  int queries, int firstLayer, int lastLayer);

  int cachedPositions() const;
  bool recordsDecodeSteps() const;  // decode steps replayed from a CUDA graph
  std::size_t kvCacheBytes() const;
  // Milliseconds the last prefill spent in the vision encoder and projector (0 on cache hits).
  double lastVisionMilliseconds() const;
  VisionCacheStats visionCache() const;
  void setVisionCacheCapacity(std::size_t bytes);

 private:
  struct Impl;
  explicit InternVLModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mspa::inference
