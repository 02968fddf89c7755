#include "inference/speed_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <optional>

#include "inference/generation.h"
#include "inference/image_preprocess.h"
#include "inference/internvl_model.h"
#include "inference/memory_need.h"

namespace mspa::inference {
namespace {

// A 1296×968 frame (ScanNet's colour size) of smooth gradients with a little deterministic noise,
// different for each index, so that each image's tiles are its own.
RgbBuffer syntheticFrame(int index) {
  RgbBuffer frame{1296, 968, {}};
  frame.pixels.resize(static_cast<std::size_t>(frame.width) * frame.height * 3);
  std::uint32_t state = 2463534242u + static_cast<std::uint32_t>(index) * 977u;
  for (int y = 0; y < frame.height; ++y) {
    for (int x = 0; x < frame.width; ++x) {
      state ^= state << 13, state ^= state >> 17, state ^= state << 5;
      std::uint8_t* p = &frame.pixels[(static_cast<std::size_t>(y) * frame.width + x) * 3];
      p[0] = static_cast<std::uint8_t>((x * 255 / frame.width + index * 40 + (state & 15)) & 255);
      p[1] = static_cast<std::uint8_t>((y * 255 / frame.height + (state >> 8 & 15)) & 255);
      p[2] = static_cast<std::uint8_t>(((x + y) / 8 + index * 90) & 255);
    }
  }
  return frame;
}

// The tiles of one question's `options.images` frames, back to back, and each frame's count.
struct FrameTiles {
  std::vector<std::uint8_t> bytes;
  std::vector<int> counts;
};
FrameTiles tilesOf(const SpeedOptions& options, int tileSize,
                   const std::function<RgbBuffer(int)>& frame) {
  FrameTiles out;
  for (int i = 0; i < options.images; ++i) {
    int count = 0;
    const auto t = makeTiles(frame(i), options.tiles, count, tileSize);
    out.bytes.insert(out.bytes.end(), t.begin(), t.end());
    out.counts.push_back(count);
  }
  return out;
}

// Text tokens around each image's placeholder tokens, as a chat prompt has them; the text ids are
// arbitrary ordinary tokens (the vocabulary's first thousand, never the image token).
std::vector<std::int64_t> syntheticPrompt(const InternVLModel& model,
                                          const std::vector<int>& tilesPerImage) {
  const int tokensPerTile = model.config().tokensPerTile();
  const std::int64_t imageToken = model.imageTokenId();
  const std::int64_t ordinary = std::min<std::int64_t>(1000, model.config().llm.vocab);
  std::vector<std::int64_t> ids;
  std::int64_t next = 1;
  const auto text = [&](int count) {
    for (int i = 0; i < count; ++i) {
      next = (next * 48271) % 2147483647;
      const std::int64_t id = next % ordinary;
      ids.push_back(id == imageToken ? (id + 1) % ordinary : id);
    }
  };
  text(24);  // the system message and the turn's opening
  for (const int tiles : tilesPerImage) {
    text(6);  // "Image-1: <img>"
    ids.insert(ids.end(), static_cast<std::size_t>(tiles) * tokensPerTile, imageToken);
  }
  text(40);  // a MultiSPA question and the assistant's opening
  return ids;
}

double visionFlopsPerTile(const ModelConfig& config) {
  const VisionConfig& v = config.vision;
  const double grid = v.imageSize / v.patchSize, t = grid * grid + 1, c = v.hidden;
  const double patch = 2 * grid * grid * c * 3 * v.patchSize * v.patchSize;
  const double layer =
      2 * t * c * 3 * c + 2 * t * c * c + 4 * t * c * v.intermediate + 4 * t * t * c;
  const double in = c / (config.downsampleRatio * config.downsampleRatio), h = config.llm.hidden;
  return patch + v.layers * layer + 2.0 * config.tokensPerTile() * (in * h + h * h);
}

// The decoder over `length` prompt positions (causal attention: each attends to those before it)
// and the head on the last one.
double prefillFlops(const ModelConfig& config, double length) {
  const LlmConfig& l = config.llm;
  const double h = l.hidden, q = static_cast<double>(l.heads) * l.headDim,
               kv = static_cast<double>(l.kvHeads) * l.headDim;
  const double dense = 2 * length * (h * (q + 2 * kv) + q * h + 3 * h * l.intermediate);
  const double attention = 4 * (length * (length + 1) / 2) * q;
  return l.layers * (dense + attention) + 2 * h * l.vocab;
}

// The memory peaks of the questions alone: the limits are measured between them, with buffers
// of their own (a 256 MB copy on the CPU, 1 GB on a GPU) that must not count as the engine's.
class QuestionPeaks {
 public:
  explicit QuestionPeaks(bool onGpu) : onGpu_(onGpu) {}
  void start() {
    resettable_ = resetPeakResidentBytes();
    resetPeakDeviceBytes();
  }
  void stop() {
    // Without a reset the process's peak since it started, the limits' buffers included.
    std::optional<std::size_t> resident;
    if (resettable_) resident = peakResidentBytes();
    rssGB = std::max(rssGB, resident ? static_cast<double>(*resident) / 1e9 : rusagePeakGB());
    if (const auto peak = peakDeviceBytes(); peak && onGpu_)
      gpuGB = std::max(gpuGB, static_cast<double>(*peak) / 1e9);
  }
  double rssGB = 0, gpuGB = -1;

 private:
  static double rusagePeakGB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) * 1024 / 1e9;
  }
  bool onGpu_, resettable_ = false;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// SpeedOptions::visionRounds: the vision encoder alone on the first image, between two
// measurements of the matmul rate each time.
void timeVisionRounds(InternVLModel& model, const ImageTiles& images, const SpeedOptions& o,
                      const std::function<void(const std::string&)>& say, SpeedReport& r) {
  r.visionRoundTiles = images.perImage.front();
  const double flops = r.visionRoundTiles * visionFlopsPerTile(model.config());
  const auto matmulGflops = [&] {
    return measureMatmulLimit(o.device, model.arithmeticDtype()).matmulGflops;
  };
  for (int round = 1; round <= o.visionRounds; ++round) {
    say("vision round " + std::to_string(round) + " of " + std::to_string(o.visionRounds));
    const double rateBefore = matmulGflops();
    const auto start = std::chrono::steady_clock::now();
    model.visionEmbeddings(images.data, r.visionRoundTiles);
    const double seconds = secondsSince(start);
    const double limit = std::max(rateBefore, matmulGflops());
    r.visionRoundMs.push_back(1e3 * seconds);
    r.visionRoundPercents.push_back(100 * flops / seconds / 1e9 / limit);
  }
}

}  // namespace

MachineLimits higherOf(const MachineLimits& a, const MachineLimits& b) {
  return {std::max(a.bandwidthGBps, b.bandwidthGBps),
          std::max(a.matmulGflops, b.matmulGflops),
          std::max(a.peakBandwidthGBps, b.peakBandwidthGBps),
          std::max(a.peakMatmulGflops, b.peakMatmulGflops),
          std::max(a.readGBps, b.readGBps),
          std::max(a.peakReadGBps, b.peakReadGBps)};
}

double SpeedReport::decodeLimitPercent() const {
  return 100 * decodeBytesPerToken * decodeTokensPerSecond / (limits.bandwidthGBps * 1e9);
}
std::optional<double> SpeedReport::decodeReadLimitPercent() const {
  if (limits.readGBps <= 0) return std::nullopt;
  return 100 * decodeBytesPerToken * decodeTokensPerSecond / (limits.readGBps * 1e9);
}
double SpeedReport::visionLimitPercent() const {
  return visionMs > 0 ? 100 * visionFlops / (visionMs / 1e3) / (limits.matmulGflops * 1e9) : 0;
}
double SpeedReport::prefillLimitPercent() const {
  const double ms = prefillMs - visionMs;
  return ms > 0 ? 100 * prefillFlops / (ms / 1e3) / (limits.matmulGflops * 1e9) : 0;
}

double SpeedReport::singleSamplesPerSecond() const {
  return 1e3 / plainAnswerMs;
}
double SpeedReport::batchSpeedup() const {
  return samplesPerSecond / singleSamplesPerSecond();
}
double SpeedReport::batchSpeedupBound() const {
  const double prefillSeconds = (visionFlops + prefillFlops) / (limits.peakMatmulGflops * 1e9);
  const double bandwidth = std::max(limits.peakReadGBps, limits.peakBandwidthGBps) * 1e9;
  const double decodeSeconds = (newTokens - 1) * decodeBytesPerToken / bandwidth;
  return batch / singleSamplesPerSecond() / (batch * prefillSeconds + decodeSeconds);
}

std::optional<double> SpeedReport::medianVisionRoundPercent() const {
  if (visionRoundPercents.empty()) return std::nullopt;
  std::vector<double> sorted = visionRoundPercents;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t middle = sorted.size() / 2;
  return sorted.size() % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

SpeedReport measureSpeed(const SpeedOptions& o,
                         const std::function<void(const std::string&)>& progress) {
  const auto say = [&](const std::string& what) {
    if (progress) progress(what);
  };
  LoadOptions load;
  load.device = o.device;
  load.dtype = o.dtype;
  load.cudaGraphs = o.cudaGraphs;
  load.hugePages = o.hugePages;
  SpeedReport r;
  say("loading");
  const auto loadStart = std::chrono::steady_clock::now();
  const auto model = o.randomConfig.empty()
                         ? InternVLModel::load(o.modelDir, load)
                         : InternVLModel::withRandomWeights(o.randomConfig, load);
  r.loadSeconds = secondsSince(loadStart);
  r.model = o.randomConfig.empty() ? o.modelDir : "random weights from " + o.randomConfig;
  r.dtype = model->dtype();
  r.device = model->device();
  r.weightGB = static_cast<double>(model->weightBytes()) / 1e9;
  r.hugePageWeightGB = static_cast<double>(model->weightBytesInHugePages()) / 1e9;
  r.cudaGraphs = model->recordsDecodeSteps();

  say("measuring the machine's limits");
  const MachineLimits before = measureMachineLimits(o.device, model->arithmeticDtype());

  // One question's tiles per batch member, each with its own frames.
  const int tileSize = model->config().vision.imageSize;
  std::vector<FrameTiles> tiles;
  std::vector<ImageTiles> images;
  for (int b = 0; b < std::max(o.batch, 1); ++b) {
    tiles.push_back(tilesOf(o, tileSize, [&](int i) {
      return o.image.empty() ? syntheticFrame(b * o.images + i) : readImageFile(o.image);
    }));
  }
  for (const FrameTiles& t : tiles) images.push_back({t.bytes.data(), t.counts});
  r.tilesPerImage = images.front().perImage;
  const auto ids = syntheticPrompt(*model, r.tilesPerImage);
  r.promptTokens = static_cast<int>(ids.size());
  SamplingOptions sampling;  // greedy, no stop token: exactly newTokens
  sampling.maxNewTokens = o.newTokens;

  const bool onGpu = model->device() != "cpu";
  // The first question pays for first use — CUDA initialising its libraries and picking kernels;
  // on the CPU the thread pool and the allocator's first pages, about 180 ms of a tiny model's
  // first 206 ms, which made batch 2 look 12.8x faster than it. A short question about other frames
  // (so that the timed one misses the vision cache) keeps that out of the figures: on the CPU about
  // one tile, whose vision and prefill take seconds there at full size.
  say("warming up");
  SpeedOptions warmShape = o;
  if (!onGpu) warmShape.images = warmShape.tiles = 1;
  const FrameTiles warmTiles =
      tilesOf(warmShape, tileSize, [](int i) { return syntheticFrame(1000 + i); });
  SamplingOptions warm;
  warm.maxNewTokens = 4;
  generate(*model, syntheticPrompt(*model, warmTiles.counts),
           {warmTiles.bytes.data(), warmTiles.counts}, warm);

  say("answering (vision, prefill, decode)");
  QuestionPeaks peaks(onGpu);
  peaks.start();
  const GenerationResult first = generate(*model, ids, images.front(), sampling);
  peaks.stop();
  r.visionMs = first.timing.visionMs;
  r.prefillMs = first.timing.prefillMs;
  r.newTokens = first.timing.newTokens;
  r.decodeTokensPerSecond = first.timing.decodeTokensPerSecond();
  r.kvCacheGB = static_cast<double>(model->kvCacheBytes()) / 1e9;
  r.plainAnswerMs = first.timing.prefillMs + first.timing.decodeMs;
  r.samplesPerSecond = r.singleSamplesPerSecond();
  r.batchDecodeTokensPerSecond = r.decodeTokensPerSecond;

  // The limits on either side of the timed question, the higher of each kept: a shared host's
  // speed swings within minutes, so a measurement taken after the later questions would compare
  // the phases with another minute's machine (run M of PERFORMANCE.md: a text prefill at 108% of
  // a limit measured in a slow spell; runs T–V: 30–66% of limits minutes apart).
  say("measuring the machine's limits again");
  r.limits = higherOf(before, measureMachineLimits(o.device, model->arithmeticDtype()));

  say("asking again (images from the vision cache)");
  peaks.start();
  sampling.maxNewTokens = 1;
  const GenerationResult again = generate(*model, ids, images.front(), sampling);
  r.repeatTtftMs = again.timing.firstTokenMs;
  r.repeatVisionMs = again.timing.visionMs;
  r.ttftMs = first.timing.firstTokenMs;

  if (o.explain) {
    say("answering explained (token probabilities, then attention over all layers)");
    const FrameTiles own = tilesOf(o, tileSize, [](int i) { return syntheticFrame(2000 + i); });
    const ImageTiles ownImages{own.bytes.data(), own.counts};
    const auto start = std::chrono::steady_clock::now();
    SamplingOptions explained = sampling;
    explained.maxNewTokens = o.newTokens;
    explained.explainTopK = o.explainTopK;
    const GenerationResult answer = generate(*model, ids, ownImages, explained);
    const auto attentionStart = std::chrono::steady_clock::now();
    std::vector<std::int64_t> sequence = ids;
    sequence.insert(sequence.end(), answer.tokens.begin(), answer.tokens.end() - 1);
    model->attentionMap(sequence, ownImages, static_cast<int>(answer.tokens.size()), 0,
                        model->config().llm.layers - 1);
    r.attentionPassMs = 1e3 * secondsSince(attentionStart);
    r.explainedAnswerMs = 1e3 * secondsSince(start);
  }

  r.batch = static_cast<int>(images.size());
  if (r.batch > 1) {
    say("answering " + std::to_string(r.batch) + " questions together");
    sampling.maxNewTokens = o.newTokens;
    const std::vector<std::vector<std::int64_t>> prompts(images.size(), ids);
    const GenerationTiming t = generateBatch(*model, prompts, images, sampling).front().timing;
    r.samplesPerSecond = r.batch * 1e3 / (t.prefillMs + t.decodeMs);
    r.batchDecodeTokensPerSecond = r.batch * t.decodeTokensPerSecond();
  }

  peaks.stop();
  r.peakRssGB = peaks.rssGB;
  r.peakGpuGB = peaks.gpuGB;

  if (o.visionRounds > 0 && !images.front().perImage.empty())
    timeVisionRounds(*model, images.front(), o, say, r);

  const ModelConfig& c = model->config();
  const int totalTiles = std::accumulate(r.tilesPerImage.begin(), r.tilesPerImage.end(), 0);
  r.visionFlops = totalTiles * visionFlopsPerTile(c);
  r.prefillFlops = prefillFlops(c, r.promptTokens);
  const double meanContext = r.promptTokens + r.newTokens / 2.0;
  r.decodeBytesPerToken = static_cast<double>(model->languageWeightBytes()) +
                          meanContext * static_cast<double>(model->kvBytesPerPosition());
  return r;
}

}  // namespace mspa::inference
