#pragma once

// Torch-facing: reads a checkpoint's tensors into canonical names. Only included by the engine's
// torch translation units.

#include <ATen/ATen.h>

#include <map>
#include <string>

#include "inference/model_config.h"

namespace mspa::inference {

// The model's weights under layout-independent names (v.* vision, p.* projector, l.* language
// model), converted to `dtype` on `device`. InternLM2's packed wqkv and InternViT's packed qkv are
// split into q, k, v. With `loraDir`, a PEFT LoRA adapter (adapter_config.json +
// adapter_model.safetensors) is merged first: W += scale · B·A, scale = alpha / r (alpha / √r with
// rsLoRA). Throws std::runtime_error for a missing, misshapen or unknown tensor, or an adapter
// module that matches no weight.
std::map<std::string, at::Tensor> loadCheckpoint(const std::string& modelDir, const ModelConfig& config,
                                                 c10::Device device, c10::ScalarType dtype,
                                                 const std::string& loraDir = {});

}  // namespace mspa::inference
