#include "inference/model_commands.h"

#include "inference/explain_output.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "inference/chat_engine.h"
#include "inference/chat_prompt.h"
#include "inference/generation.h"
#include "inference/image_preprocess.h"
#include "inference/internvl_model.h"
#include "inference/memory_need.h"
#include "inference/model_merge.h"
#include "inference/parity_check.h"
#include "inference/weight_source.h"

namespace mspa::inference {
namespace {

struct CheckOptions {
  std::string model, lora, reference, device = "cpu",
                                      dtype = "float32";  // the fixtures' references are float32
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

template <typename T>
std::string joined(const std::vector<T>& values) {
  std::ostringstream out;
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  return out.str();
}

struct InfoOptions {
  std::string dir, lora, device = "cpu", dtype;
};

void printInfo(const InfoOptions& o) {
  const ModelConfig c = readModelConfig(o.dir);
  const auto& v = c.vision;
  const auto& l = c.llm;
  std::printf("layout:      %s\n", c.layout == CheckpointLayout::Original
                                       ? "InternVLChatModel (original)"
                                       : "InternVLForConditionalGeneration (HF)");
  std::printf("vision:      InternViT, %d layers, hidden %d, %d heads, MLP %d, %s%s\n", v.layers,
              v.hidden, v.heads, v.intermediate, v.rmsNorm ? "RMSNorm" : "LayerNorm",
              v.qkNorm ? ", qk-norm" : "");
  std::printf("projector:   pixel shuffle %.2f, %d tokens per %d px tile\n", c.downsampleRatio,
              c.tokensPerTile(), v.imageSize);
  std::printf(
      "language:    %s, %d layers, hidden %d, %d heads / %d KV heads, MLP %d, vocab %d, RoPE theta "
      "%g%s\n",
      llmKindName(l.kind), l.layers, l.hidden, l.heads, l.kvHeads, l.intermediate, l.vocab,
      l.ropeTheta,
      l.ropeScaling.empty()
          ? ""
          : (" (" + l.ropeScaling + " x" + std::to_string(l.ropeFactor) + ")").c_str());
  std::printf("template:    %s%s\n",
              c.templateName.empty() ? "(none in config.json)" : c.templateName.c_str(),
              c.systemMessage ? ", system message from config.json" : "");
  const WeightSource source(o.dir, c, o.lora);
  if (source.loraSummaries().empty()) std::printf("LoRA:        none\n");
  for (const auto& s : source.loraSummaries()) {
    std::printf("LoRA:        %s: %zu modules, rank %s, alpha %s, targets %s\n", s.origin.c_str(),
                s.modules, joined(s.ranks).c_str(), joined(s.alphas).c_str(),
                joined(s.targets).c_str());
  }
  const std::string dtype = storageDtype(c, o.device, o.dtype);
  const MemoryNeed need = describeMemoryNeed(source, c, o.device, dtype);
  std::printf("memory:      %s in %s on %s needs %s%s\n",
              o.dtype.empty() || o.dtype == "auto" ? "default dtype" : "dtype", dtype.c_str(),
              o.device.c_str(), need.describe().c_str(), need.fits() ? "" : ": DOES NOT FIT");
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
  std::printf("logits, %zu decode steps         max |d| %.3g\n", r.referenceIds.size(),
              r.stepsMaxDiff);
  std::printf("greedy ids                      %s\n",
              r.greedyMatches() ? "identical" : "DIFFERENT");
  const bool ok = r.within(o.tolerance);
  std::printf("%s (tolerance %.3g, %s %s)\n", ok ? "PASS" : "FAIL", o.tolerance, o.device.c_str(),
              o.dtype.c_str());
  return ok ? 0 : 1;
}

}  // namespace

void printPrompt(const std::string& modelDir, const std::string& question,
                 const std::vector<int>& tilesPerImage, const std::string& system,
                 const std::string& format) {
  const ChatPrompt prompt(modelDir);
  const std::string text = prompt.render(question, tilesPerImage, system);
  if (format == "json") {
    const nlohmann::json j = {
        {"prompt", text}, {"input_ids", prompt.encode(text)}, {"template", prompt.templateName()}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
}

void runAsk(const AskOptions& o) {
  if (o.format != "text" && o.format != "json")
    throw CLI::ValidationError("--format", "text or json");
  if (o.model.empty() || o.question.empty())
    throw CLI::ValidationError("ask", "needs --model DIR and a QUESTION (--image: none or more)");
  if (o.printPrompt) {
    std::vector<int> tiles;
    for (const auto& path : o.images) {
      const RgbBuffer image = readImageFile(path);
      tiles.push_back(
          tileCount(image.width, image.height, o.tiles, readModelConfig(o.model).vision.imageSize));
    }
    printPrompt(o.model, o.question, tiles, o.system, o.format);
    return;
  }
  const auto loadStart = std::chrono::steady_clock::now();
  const auto engine = ChatEngine::load({o.model, o.lora, o.device, o.dtype, o.tiles});
  const double loadSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
  ChatRequest request{o.question, {}, o.system, o.sampling};
  if (!o.explain.empty()) request.sampling.explainTopK = std::max(1, o.explainTopK);
  for (const auto& path : o.images) request.images.push_back(readImageFile(path));
  std::size_t printed = 0;
  const auto reply = engine->answer(request, [&](const std::string& text) {
    std::fputs(text.substr(std::min(printed, text.size())).c_str(), stdout);
    std::fflush(stdout);
    printed = text.size();
  });
  const auto& t = reply.generation.timing;
  std::fprintf(stderr,
               "\n[%s loaded in %.1f s; %d prompt tokens, vision %.0f ms, first token %.0f ms, %d "
               "new tokens at %.1f tokens/s]\n",
               engine->dtype().c_str(), loadSeconds, t.promptTokens, t.visionMs, t.prefillMs,
               t.newTokens, t.decodeTokensPerSecond());
  if (!o.explain.empty()) {
    ExplainInput input{o.images, request.images, o.tiles};
    std::tie(input.firstLayer, input.lastLayer) =
        parseLayerRange(o.layers, engine->config().llm.layers);
    const AnswerAttention attention =
        engine->attention(request, reply, input.firstLayer, input.lastLayer);
    input.attention = &attention;
    input.perToken = o.perToken;
    for (const auto& file : writeExplanation(o.explain, *engine, reply, input))
      std::fprintf(stderr, "explanation: %s\n", file.c_str());
  }
}

void addModelFlags(CLI::App& command, ModelFlags& flags, const std::string& modelHelp) {
  command.add_option("--model", flags.model, modelHelp);
  command.add_option("--lora", flags.lora, "PEFT LoRA adapter folder merged into the model");
  command.add_option("--device", flags.device, "cpu or cuda")->capture_default_str();
  command.add_option("--dtype", flags.dtype,
                     "auto, float32, bfloat16 or float16 (default auto: the checkpoint's "
                     "torch_dtype, CPU arithmetic measured)");
  command.add_option("--tiles", flags.tiles, "maximum tiles per image")->capture_default_str();
}

void addAskOptions(CLI::App& ask, AskOptions& o) {
  ask.add_option("QUESTION", o.question,
                 "the question (Image-k labels are added for several images)");
  addModelFlags(ask, o, "model folder (config, safetensors, tokenizer)");
  ask.add_option("--image", o.images, "an image; repeat for several")->allow_extra_args(false);
  ask.add_option("--system", o.system, "system message (default: InternVL2's)");
  ask.add_option("--max-new-tokens", o.sampling.maxNewTokens, "")->capture_default_str();
  ask.add_option("--temperature", o.sampling.temperature, "0: greedy")->capture_default_str();
  ask.add_option("--top-p", o.sampling.topP, "")->capture_default_str();
  ask.add_option("--top-k", o.sampling.topK, "")->capture_default_str();
  ask.add_option("--seed", o.sampling.seed, "")->capture_default_str();
  ask.add_flag(
      "--print-prompt", o.printPrompt,
      "print the exact text the model reads (every <IMG_CONTEXT>) and stop; loads no weights");
  ask.add_option("--format", o.format, "text or json")->capture_default_str();
  ask.add_option("--explain", o.explain,
                 "write why the model answered so to this folder: tokens.json (each token's "
                 "probability, top-k and attention share per image), tiles-<k>.png (the tile "
                 "grid each image became), attention-<k>.png (where the answer looked)");
  ask.add_option("--explain-top-k", o.explainTopK, "candidates kept per token with --explain")
      ->capture_default_str();
  ask.add_option("--layers", o.layers,
                 "decoder layers A:B the --explain attention maps average (default: all)");
  ask.add_flag("--per-token", o.perToken, "with --explain, an attention map per answer token");
}

void addAskCommand(CLI::App& app) {
  auto* ask =
      app.add_subcommand("ask", "Ask an InternVL model about images; the answer streams to stdout");
  auto o = std::make_shared<AskOptions>();
  addAskOptions(*ask, *o);
  ask->callback([o] { runAsk(*o); });
}

void addModelCommands(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Inspect and verify InternVL checkpoints");
  model->require_subcommand(1);

  auto* info =
      model->add_subcommand("info", "Architecture, template, LoRA and memory need of a checkpoint");
  auto io = std::make_shared<InfoOptions>();
  info->add_option("DIR", io->dir, "model folder (config.json + safetensors)")->required();
  info->add_option("--lora", io->lora, "PEFT LoRA adapter folder to apply");
  info->add_option("--device", io->device, "cpu or cuda (where the memory need is checked)")
      ->capture_default_str();
  info->add_option("--dtype", io->dtype,
                   "auto, float32, bfloat16 or float16 (default auto: the checkpoint's "
                   "torch_dtype, CPU arithmetic measured)");
  info->callback([io] { printInfo(*io); });

  auto* merge = model->add_subcommand(
      "merge", "Write a checkpoint with every LoRA merged in, for vLLM, LMDeploy and transformers");
  auto mo = std::make_shared<std::array<std::string, 3>>();
  merge
      ->add_option("--model", (*mo)[0],
                   "model folder (a fine-tune output with LoRA, or a base model)")
      ->required();
  merge->add_option("--lora", (*mo)[1], "PEFT LoRA adapter folder to merge");
  merge->add_option("--out", (*mo)[2], "new folder for the merged checkpoint")->required();
  merge->callback([mo] {
    const auto [modelDir, loraDir, out] = *mo;
    const MergeSummary s = mergeCheckpoint(modelDir, loraDir, out);
    std::printf("%s: %zu tensors (%zu with LoRA merged) in %zu shard(s), %.2f GB\n", out.c_str(),
                s.tensors, s.mergedTensors, s.shards, s.gigabytes);
  });

  auto* check = model->add_subcommand(
      "check", "Compare the engine with a reference run (fixtures' reference.safetensors)");
  auto o = std::make_shared<CheckOptions>();
  check->add_option("--model", o->model, "model folder")->required();
  check->add_option("--reference", o->reference, "reference.safetensors")->required();
  check->add_option("--lora", o->lora, "PEFT LoRA adapter folder merged into the model");
  check->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  check->add_option("--dtype", o->dtype, "float32, bfloat16 or float16")->capture_default_str();
  check->add_option("--image-token", o->imageToken,
                    "<IMG_CONTEXT> id (default: meta.json beside the reference)");
  check->add_option("--tolerance", o->tolerance, "largest accepted |d| of any logit")
      ->capture_default_str();
  check->callback([o] {
    const int status = runCheck(*o);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace mspa::inference
