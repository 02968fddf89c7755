#include "inference/model_commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

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

struct AskOptions {
  std::string model, lora, device = "cpu", dtype = "float32", question, system;
  std::vector<std::string> images;
  int tiles = 6;  // per image, as Multi-SpatialMLLM uses
  SamplingOptions sampling;
};

void runAsk(AskOptions o) {
  const auto tokenizer = Tokenizer::load(o.model);
  LoadOptions load;
  load.device = o.device;
  load.dtype = o.dtype;
  load.imageTokenId = static_cast<int>(tokenizer->specialId("<IMG_CONTEXT>"));
  load.loraDir = o.lora;
  const auto model = InternVLModel::load(o.model, load);
  std::vector<std::uint8_t> tiles;
  std::vector<int> tilesPerImage;
  for (const auto& path : o.images) {
    int count = 0;
    const auto t = makeTiles(readImageFile(path), o.tiles, count, model->config().vision.imageSize);
    tiles.insert(tiles.end(), t.begin(), t.end());
    tilesPerImage.push_back(count);
  }
  const std::string prompt = formatChat({model->config().templateName, o.system, withImageLabels(o.question, static_cast<int>(o.images.size()))},
                                        tilesPerImage, model->config().tokensPerTile());
  // The chat turn ends at <|im_end|>; the model's own EOS ids end it too.
  o.sampling.stopIds = model->config().eosIds;
  if (const auto id = tokenizer->specialId("<|im_end|>"); id >= 0) o.sampling.stopIds.push_back(id);
  std::vector<std::int64_t> answer;
  std::string printed;
  const int totalTiles = std::accumulate(tilesPerImage.begin(), tilesPerImage.end(), 0);
  const auto result = generate(*model, tokenizer->encode(prompt), tiles.data(), totalTiles, o.sampling, [&](std::int64_t token) {
                                 if (std::find(o.sampling.stopIds.begin(), o.sampling.stopIds.end(), token) != o.sampling.stopIds.end()) return;
                                 answer.push_back(token);
                                 // Decoding the whole answer keeps multi-token characters intact.
                                 const std::string text = tokenizer->decode(answer);
                                 std::fputs(text.substr(std::min(printed.size(), text.size())).c_str(), stdout);
                                 std::fflush(stdout);
                                 printed = text;
                               });
  std::fprintf(stderr, "\n[%d prompt tokens, vision %.0f ms, first token %.0f ms, %d new tokens at %.1f tokens/s]\n",
               result.timing.promptTokens, result.timing.visionMs, result.timing.prefillMs, result.timing.newTokens,
               result.timing.decodeTokensPerSecond());
}

}  // namespace

void addAskCommand(CLI::App& app) {
  auto* ask = app.add_subcommand("ask", "Ask an InternVL model about images; the answer streams to stdout");
  auto o = std::make_shared<AskOptions>();
  ask->add_option("QUESTION", o->question, "the question (Image-k labels are added for several images)")->required();
  ask->add_option("--model", o->model, "model folder (config, safetensors, tokenizer)")->required();
  ask->add_option("--image", o->images, "an image; repeat for several")->required();
  ask->add_option("--lora", o->lora, "PEFT LoRA adapter folder merged into the model");
  ask->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  ask->add_option("--dtype", o->dtype, "float32, bfloat16 or float16")->capture_default_str();
  ask->add_option("--tiles", o->tiles, "maximum tiles per image")->capture_default_str();
  ask->add_option("--system", o->system, "system message (default: InternVL2's)");
  ask->add_option("--max-new-tokens", o->sampling.maxNewTokens, "")->capture_default_str();
  ask->add_option("--temperature", o->sampling.temperature, "0: greedy")->capture_default_str();
  ask->add_option("--top-p", o->sampling.topP, "")->capture_default_str();
  ask->add_option("--top-k", o->sampling.topK, "")->capture_default_str();
  ask->add_option("--seed", o->sampling.seed, "")->capture_default_str();
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
