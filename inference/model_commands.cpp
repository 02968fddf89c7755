#include "inference/model_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/internvl_model.h"
#include "inference/parity_check.h"

namespace mspa::inference {
namespace {

struct CheckOptions {
  std::string model, reference, device = "cpu", dtype = "float32";
  int imageToken = -1;
  float tolerance = 2e-3f;
};

// Fixture folders keep the image token id in meta.json beside reference.safetensors.
int imageTokenBeside(const std::string& reference) {
  std::ifstream in(std::filesystem::path(reference).parent_path() / "meta.json");
  if (!in) return -1;
  const auto meta = nlohmann::json::parse(in, nullptr, false);
  return meta.is_object() ? meta.value("image_token_id", -1) : -1;
}

void printInfo(const std::string& dir) {
  const ModelConfig c = readModelConfig(dir);
  const auto& v = c.vision;
  const auto& l = c.llm;
  const double visionParams = 12.0 * v.layers * v.hidden * v.hidden;  // attention + 4x MLP per layer, approximately
  const double llmParams = l.layers * (2.0 * l.hidden * l.heads * l.headDim + 2.0 * l.hidden * l.kvHeads * l.headDim +
                                       3.0 * l.hidden * l.intermediate) + 2.0 * l.vocab * l.hidden;
  std::printf("layout:      %s\n", c.layout == CheckpointLayout::Original ? "InternVLChatModel (original)" : "InternVLForConditionalGeneration (HF)");
  std::printf("vision:      InternViT, %d layers, hidden %d, %d heads, MLP %d, %s%s\n", v.layers, v.hidden, v.heads, v.intermediate,
              v.rmsNorm ? "RMSNorm" : "LayerNorm", v.qkNorm ? ", qk-norm" : "");
  std::printf("projector:   pixel shuffle %.2f, %d tokens per %d px tile\n", c.downsampleRatio, c.tokensPerTile(), v.imageSize);
  std::printf("language:    %s, %d layers, hidden %d, %d heads / %d KV heads, MLP %d, vocab %d, RoPE theta %g%s\n",
              llmKindName(l.kind), l.layers, l.hidden, l.heads, l.kvHeads, l.intermediate, l.vocab, l.ropeTheta,
              l.ropeScaling.empty() ? "" : (" (" + l.ropeScaling + " x" + std::to_string(l.ropeFactor) + ")").c_str());
  std::printf("parameters:  ~%.2f B; bfloat16 weights need ~%.1f GB\n", (visionParams + llmParams) / 1e9, (visionParams + llmParams) * 2 / 1e9);
}

int runCheck(const CheckOptions& o) {
  LoadOptions load;
  load.device = o.device;
  load.dtype = o.dtype;
  load.imageTokenId = o.imageToken >= 0 ? o.imageToken : imageTokenBeside(o.reference);
  const auto model = InternVLModel::load(o.model, load);
  const ParityReport r = checkParity(*model, o.reference);
  std::printf("vision embeddings (first tile)  max |d| %.3g\n", r.visionMaxDiff);
  std::printf("logits, last 16 positions       max |d| %.3g\n", r.prefillMaxDiff);
  std::printf("logits, %zu decode steps         max |d| %.3g\n", r.referenceIds.size(), r.stepsMaxDiff);
  std::printf("greedy ids                      %s\n", r.greedyMatches() ? "identical" : "DIFFERENT");
  const bool ok = r.within(o.tolerance);
  std::printf("%s (tolerance %.3g, %s %s)\n", ok ? "PASS" : "FAIL", o.tolerance, o.device.c_str(), o.dtype.c_str());
  return ok ? 0 : 1;
}

}  // namespace

void addModelCommands(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Inspect and verify InternVL checkpoints");
  model->require_subcommand(1);

  auto* info = model->add_subcommand("info", "Architecture, sizes and memory need of a checkpoint");
  auto dir = std::make_shared<std::string>();
  info->add_option("DIR", *dir, "model folder (config.json + safetensors)")->required();
  info->callback([dir] { printInfo(*dir); });

  auto* check = model->add_subcommand("check", "Compare the engine with a reference run (fixtures' reference.safetensors)");
  auto o = std::make_shared<CheckOptions>();
  check->add_option("--model", o->model, "model folder")->required();
  check->add_option("--reference", o->reference, "reference.safetensors")->required();
  check->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  check->add_option("--dtype", o->dtype, "float32, bfloat16 or float16")->capture_default_str();
  check->add_option("--image-token", o->imageToken, "<IMG_CONTEXT> id (default: meta.json beside the reference)");
  check->add_option("--tolerance", o->tolerance, "largest accepted |d| of any logit")->capture_default_str();
  check->callback([o] {
    const int status = runCheck(*o);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace mspa::inference
