#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mspa::inference {

enum class LlmKind { InternLM2, Qwen2, Llama };
enum class CheckpointLayout { Original, HuggingFace };

struct VisionConfig {
  int hidden = 0, layers = 0, heads = 0, intermediate = 0;
  int imageSize = 448, patchSize = 14;
  double normEps = 1e-6;
  bool rmsNorm = false;  // InternViT-6B uses RMSNorm, InternViT-300M LayerNorm
  bool qkNorm = false;
  bool qkvBias = true;
};

struct LlmConfig {
  LlmKind kind = LlmKind::InternLM2;
  int hidden = 0, layers = 0, heads = 0, kvHeads = 0, headDim = 0, intermediate = 0, vocab = 0;
  double normEps = 1e-5;
  double ropeTheta = 10000;
  std::string ropeScaling;  // "" or "dynamic"
  double ropeFactor = 1.0;
  int maxPositions = 32768;
  bool qkvBias = false;
  bool tiedEmbeddings = false;
};

// Everything the engine needs from an InternVL checkpoint's config.json, in either layout:
// the original InternVLChatModel (llm_config / vision_config) or the Hugging Face
// InternVLForConditionalGeneration (text_config / vision_config).
struct ModelConfig {
  CheckpointLayout layout = CheckpointLayout::Original;
  VisionConfig vision;
  LlmConfig llm;
  double downsampleRatio = 0.5;
  int imageTokenId = -1;     // HF configs carry it; original checkpoints get it from the tokenizer
  std::string templateName;  // InternVL conversation template (original layout)
  std::optional<std::string> systemMessage;  // config.json's system_message, which chat() prefers
  std::string torchDtype;                    // "bfloat16", "float16", "float32" or "" when unstated
  int llmLoraRank = 0,
      visionLoraRank = 0;  // use_llm_lora / use_backbone_lora of a fine-tune output
  // End-of-sequence ids: generation_config.json's eos_token_id, else the LLM config's.
  std::vector<std::int64_t> eosIds;

  int tokensPerTile() const;  // 256 for 448 px tiles, patch 14, ratio 0.5
};

// Reads DIR/config.json and DIR/generation_config.json; throws std::runtime_error naming the file
// and the missing or invalid field, or the unsupported architecture.
ModelConfig readModelConfig(const std::string& modelDir);
// Reads one config.json file alone (no generation_config.json beside it).
ModelConfig readModelConfigFile(const std::string& path);

// The dtype a model runs in when none is asked for: the checkpoint's own (torch_dtype), except
// float16 on the CPU, where LibTorch lacks half-precision kernels, and unstated, which mean
// float32.
std::string defaultDtype(const ModelConfig& config, const std::string& device);
// The dtype weights are stored in for a requested one: empty and "auto" mean defaultDtype.
std::string storageDtype(const ModelConfig& config, const std::string& device,
                         const std::string& requested);

const char* llmKindName(LlmKind kind);

}  // namespace mspa::inference
