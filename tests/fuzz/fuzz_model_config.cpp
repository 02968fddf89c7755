// A checkpoint's config.json (original layout, or transformers layout when the first byte is
// odd), its values mutated, read as `mspa model info` reads it.
#include <stdexcept>

#include "inference/model_config.h"
#include "tests/fuzz/json_mutator.h"

namespace {

const char* kOriginal =
    R"({"architectures": ["InternVLChatModel"], "downsample_ratio": 0.5, "template": "internlm2-chat",
 "ps_version": "v2", "use_llm_lora": 0, "use_backbone_lora": 0, "system_message": "s", "torch_dtype": "bfloat16",
 "llm_config": {"model_type": "internlm2", "hidden_size": 64, "intermediate_size": 160, "num_attention_heads": 4,
   "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 512, "rms_norm_eps": 1e-05, "rope_theta": 1000000,
   "rope_scaling": {"type": "dynamic", "factor": 2.0}, "max_position_embeddings": 32768, "eos_token_id": 2, "bias": false,
   "tie_word_embeddings": false, "head_dim": 16},
 "vision_config": {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2,
   "image_size": 448, "patch_size": 14, "layer_norm_eps": 1e-06, "norm_type": "layer_norm", "qk_normalization": false,
   "qkv_bias": true}})";

const char* kTransformers =
    R"({"architectures": ["InternVLForConditionalGeneration"], "downsample_ratio": 0.5,
 "image_token_id": 151667, "text_config": {"model_type": "qwen2", "hidden_size": 96, "intermediate_size": 128,
   "num_attention_heads": 6, "num_key_value_heads": 2, "num_hidden_layers": 3, "vocab_size": 600, "rope_parameters":
   {"rope_theta": 1000000}, "eos_token_id": [2, 3], "dtype": "float32"},
 "vision_config": {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2,
   "image_size": [448, 448], "patch_size": [14, 14], "use_qk_norm": false, "attention_bias": true}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::Bytes in(data, size);
  const auto seed = nlohmann::json::parse(in.byte() % 2 ? kTransformers : kOriginal);
  mspa::fuzz::writeScratch("model/config.json",
                           mspa::fuzz::dumpFuzzed(mspa::fuzz::mutateValues(seed, in)));
  mspa::fuzz::writeScratch("model/generation_config.json", in.rest());
  try {
    const auto config =
        mspa::inference::readModelConfig((mspa::fuzz::scratch() / "model").string());
    (void)config.tokensPerTile();
    (void)mspa::inference::defaultDtype(config, "cpu");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
