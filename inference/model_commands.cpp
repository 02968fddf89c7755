#include "inference/model_commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/chat_engine.h"
#include "inference/internvl_model.h"
#include "inference/generation.h"
#include "inference/image_preprocess.h"
#include "inference/parity_check.h"
#include "inference/tokenizer.h"

namespace mspa::inference {
namespace {

struct CheckOptions {
  std::string model, lora, reference, device = "cpu", dtype = "float32";
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
  load.loraDir = o.lora;
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

void runAsk(const AskOptions& o) {
  if (o.model.empty() || o.images.empty() || o.question.empty()) {
    throw CLI::ValidationError("ask", "needs --model DIR, at least one --image and a QUESTION");
  }
  const auto engine = ChatEngine::load({o.model, o.lora, o.device, o.dtype, o.tiles});
  ChatRequest request{o.question, {}, o.system, o.sampling};
  for (const auto& path : o.images) request.images.push_back(readImageFile(path));
  std::size_t printed = 0;
  const auto reply = engine->answer(request, [&](const std::string& text) {
    std::fputs(text.substr(std::min(printed, text.size())).c_str(), stdout);
    std::fflush(stdout);
    printed = text.size();
  });
  const auto& t = reply.generation.timing;
  std::fprintf(stderr, "\n[%d prompt tokens, vision %.0f ms, first token %.0f ms, %d new tokens at %.1f tokens/s]\n", t.promptTokens,
               t.visionMs, t.prefillMs, t.newTokens, t.decodeTokensPerSecond());
}

void addAskOptions(CLI::App& ask, AskOptions& o) {
  ask.add_option("QUESTION", o.question, "the question (Image-k labels are added for several images)");
  ask.add_option("--model", o.model, "model folder (config, safetensors, tokenizer)");
  ask.add_option("--image", o.images, "an image; repeat for several")->allow_extra_args(false);
  ask.add_option("--lora", o.lora, "PEFT LoRA adapter folder merged into the model");
  ask.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  ask.add_option("--dtype", o.dtype, "float32, bfloat16 or float16")->capture_default_str();
  ask.add_option("--tiles", o.tiles, "maximum tiles per image")->capture_default_str();
  ask.add_option("--system", o.system, "system message (default: InternVL2's)");
  ask.add_option("--max-new-tokens", o.sampling.maxNewTokens, "")->capture_default_str();
  ask.add_option("--temperature", o.sampling.temperature, "0: greedy")->capture_default_str();
  ask.add_option("--top-p", o.sampling.topP, "")->capture_default_str();
  ask.add_option("--top-k", o.sampling.topK, "")->capture_default_str();
  ask.add_option("--seed", o.sampling.seed, "")->capture_default_str();
}

void addAskCommand(CLI::App& app) {
  auto* ask = app.add_subcommand("ask", "Ask an InternVL model about images; the answer streams to stdout");
  auto o = std::make_shared<AskOptions>();
  addAskOptions(*ask, *o);
  ask->callback([o] { runAsk(*o); });
}

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
  check->add_option("--lora", o->lora, "PEFT LoRA adapter folder merged into the model");
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
