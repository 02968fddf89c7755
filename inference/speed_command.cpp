#include "inference/speed_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "inference/speed_bench.h"

namespace mspa::inference {
namespace {

struct SpeedCommandOptions {
  SpeedOptions speed;
  std::string format = "text";
};

nlohmann::ordered_json orNull(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json toJson(const SpeedReport& r) {
  return {{"model", r.model},
          {"dtype", r.dtype},
          {"device", r.device},
          {"tiles_per_image", r.tilesPerImage},
          {"prompt_tokens", r.promptTokens},
          {"new_tokens", r.newTokens},
          {"load_s", r.loadSeconds},
          {"vision_ms", r.visionMs},
          {"prefill_ms", r.prefillMs},
          {"ttft_ms", r.ttftMs},
          {"repeat_ttft_ms", r.repeatTtftMs},
          {"repeat_vision_ms", r.repeatVisionMs},
          {"decode_tokens_per_s", r.decodeTokensPerSecond},
          {"decode_bytes_per_token", r.decodeBytesPerToken},
          {"bandwidth_gb_per_s", r.limits.bandwidthGBps},
          {"bandwidth_peak_gb_per_s", r.limits.peakBandwidthGBps},
          {"decode_limit_pct", r.decodeLimitPercent()},
          {"read_gb_per_s",
           r.limits.readGBps > 0 ? nlohmann::ordered_json(r.limits.readGBps) : nullptr},
          {"read_peak_gb_per_s",
           r.limits.readGBps > 0 ? nlohmann::ordered_json(r.limits.peakReadGBps) : nullptr},
          {"decode_read_limit_pct", orNull(r.decodeReadLimitPercent())},
          {"matmul_gflop_per_s", r.limits.matmulGflops},
          {"matmul_peak_gflop_per_s", r.limits.peakMatmulGflops},
          {"vision_gflop", r.visionFlops / 1e9},
          {"vision_limit_pct", r.visionLimitPercent()},
          {"vision_round_tiles", r.visionRoundTiles},
          {"vision_round_ms", r.visionRoundMs},
          {"vision_round_limit_pcts", r.visionRoundPercents},
          {"vision_round_limit_pct", orNull(r.medianVisionRoundPercent())},
          {"prefill_gflop", r.prefillFlops / 1e9},
          {"prefill_limit_pct", r.prefillLimitPercent()},
          {"weight_gb", r.weightGB},
          {"kv_cache_gb", r.kvCacheGB},
          {"huge_page_weights_gb", r.hugePageWeightGB},
          {"peak_rss_gb", r.peakRssGB},
          {"peak_gpu_gb", r.peakGpuGB >= 0 ? nlohmann::ordered_json(r.peakGpuGB) : nullptr},
          {"cuda_graphs", r.cudaGraphs},
          {"batch", r.batch},
          {"samples_per_s", r.samplesPerSecond},
          {"single_samples_per_s", r.singleSamplesPerSecond()},
          {"batch_speedup", r.batchSpeedup()},
          {"batch_speedup_bound", r.batchSpeedupBound()},
          {"batch_decode_tokens_per_s", r.batchDecodeTokensPerSecond},
          {"plain_answer_ms", r.plainAnswerMs},
          {"explained_answer_ms",
           r.explainedAnswerMs > 0 ? nlohmann::ordered_json(r.explainedAnswerMs) : nullptr},
          {"attention_pass_ms",
           r.explainedAnswerMs > 0 ? nlohmann::ordered_json(r.attentionPassMs) : nullptr}};
}

void printText(const SpeedReport& r) {
  std::string tiles;
  for (const int t : r.tilesPerImage) tiles += (tiles.empty() ? "" : "+") + std::to_string(t);
  std::printf("model        %s on %s, %s (%.2f GB of weights)\n", r.model.c_str(), r.device.c_str(),
              r.dtype.c_str(), r.weightGB);
  std::printf(
      "machine      %.1f GB/s copy bandwidth, %.0f GFLOP/s matmul, sustained over a second "
      "(best single run %.1f GB/s, %.0f GFLOP/s)\n",
      r.limits.bandwidthGBps, r.limits.matmulGflops, r.limits.peakBandwidthGBps,
      r.limits.peakMatmulGflops);
  std::printf("prompt       %d tokens (%zu images, %s tiles)\n", r.promptTokens,
              r.tilesPerImage.size(), tiles.c_str());
  std::printf("load         %.1f s\n", r.loadSeconds);
  std::printf("vision       %.0f ms (%.0f GFLOP, %.0f%% of matmul)\n", r.visionMs,
              r.visionFlops / 1e9, r.visionLimitPercent());
  if (const auto median = r.medianVisionRoundPercent()) {
    const auto [low, high] =
        std::minmax_element(r.visionRoundPercents.begin(), r.visionRoundPercents.end());
    const auto [fastest, slowest] =
        std::minmax_element(r.visionRoundMs.begin(), r.visionRoundMs.end());
    std::printf(
        "vision alone %.0f%% of matmul, the median of %zu rounds of %d tiles (%.0f-%.0f%%; "
        "%.0f-%.0f ms)\n",
        *median, r.visionRoundPercents.size(), r.visionRoundTiles, *low, *high, *fastest, *slowest);
  }
  std::printf("prefill      %.0f ms with vision (text %.0f GFLOP, %.0f%% of matmul)\n", r.prefillMs,
              r.prefillFlops / 1e9, r.prefillLimitPercent());
  std::printf("first token  %.0f ms; asked again %.0f ms (vision %.0f ms)\n", r.ttftMs,
              r.repeatTtftMs, r.repeatVisionMs);
  std::printf(
      "decode       %.2f tokens/s over %d tokens (%.2f GB read per token, %.0f%% of bandwidth)\n",
      r.decodeTokensPerSecond, r.newTokens, r.decodeBytesPerToken / 1e9, r.decodeLimitPercent());
  if (const auto ofReads = r.decodeReadLimitPercent())
    std::printf("             %.0f%% of %.1f GB/s read alone (best single run %.1f GB/s)\n",
                *ofReads, r.limits.readGBps, r.limits.peakReadGBps);
  std::printf("throughput   %.3f questions/s at batch %d\n", r.samplesPerSecond, r.batch);
  if (r.batch > 1)
    std::printf(
        "             %.2fx batch 1 (%.3f questions/s), at most %.2fx here; decode %.2f tokens/s "
        "for the batch together\n",
        r.batchSpeedup(), r.singleSamplesPerSecond(), r.batchSpeedupBound(),
        r.batchDecodeTokensPerSecond);
  std::printf(
      "memory       %.2f GB peak resident, KV cache %.2f GB, %.2f GB of weights in huge pages\n",
      r.peakRssGB, r.kvCacheGB, r.hugePageWeightGB);
  if (r.peakGpuGB >= 0) std::printf("gpu memory   %.2f GB peak allocated\n", r.peakGpuGB);
  if (r.explainedAnswerMs > 0)
    std::printf("explained    %.0f ms against %.0f ms plain (%.2fx; attention pass %.0f ms)\n",
                r.explainedAnswerMs, r.plainAnswerMs, r.explainedAnswerMs / r.plainAnswerMs,
                r.attentionPassMs);
}

}  // namespace

void addSpeedCommand(CLI::App& bench) {
  auto* speed = bench.add_subcommand(
      "speed", "Time one question's phases against the machine's measured bandwidth and FLOP/s");
  auto o = std::make_shared<SpeedCommandOptions>();
  auto* model = speed->add_option("--model", o->speed.modelDir, "model folder");
  auto* random =
      speed->add_option("--random-weights", o->speed.randomConfig,
                        "config.json of a model to make with random weights (measurement only)");
  model->excludes(random);
  speed->add_option("--device", o->speed.device, "cpu or cuda")->capture_default_str();
  speed->add_option("--dtype", o->speed.dtype,
                    "auto, float32, bfloat16 or float16 (default: auto)");
  speed->add_option("--image", o->speed.image,
                    "a frame to ask about (default: synthetic 1296x968 frames)");
  speed->add_option("--images", o->speed.images, "images in the question")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  speed->add_option("--tiles", o->speed.tiles, "tiles per image")
      ->capture_default_str()
      ->check(CLI::Range(1, 40));
  speed->add_option("--new-tokens", o->speed.newTokens, "tokens to decode")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  speed->add_option("--batch", o->speed.batch, "questions decoded together for samples/s")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  speed->add_flag("--explain", o->speed.explain,
                  "also answer explained (token probabilities, attention over all layers) and "
                  "time it against the plain answer");
  speed->add_option("--explain-top-k", o->speed.explainTopK, "runners-up per token when explaining")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  speed
      ->add_option("--vision-rounds", o->speed.visionRounds,
                   "then time the vision encoder alone on the first image this many times, each "
                   "between two measurements of the matmul rate (their median against the "
                   "machine of the same seconds)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  speed->add_flag("!--no-cuda-graphs", o->speed.cudaGraphs,
                  "decode without recording the step as a CUDA graph (for comparison)");
  speed->add_flag(
      "!--no-huge-pages", o->speed.hugePages,
      "keep the weights and the KV cache out of huge pages on the CPU (for comparison)");
  speed->add_option("--format", o->format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  speed->callback([o, model, random] {
    if (model->count() + random->count() == 0)
      throw CLI::ValidationError("bench speed", "give --model DIR or --random-weights CONFIG.json");
    const SpeedReport r = measureSpeed(
        o->speed, [](const std::string& what) { std::fprintf(stderr, "%s...\n", what.c_str()); });
    if (o->format == "json")
      std::printf("%s\n", toJson(r).dump(2).c_str());
    else
      printText(r);
  });
}

}  // namespace mspa::inference
