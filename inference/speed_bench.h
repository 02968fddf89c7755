#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mspa::inference {

struct SpeedOptions {
  std::string modelDir;               // a checkpoint folder, or
  std::string randomConfig;           // a config.json for a random-weight model of its full size
  std::string device = "cpu", dtype;  // dtype empty: auto
  std::string image;                  // a frame to ask about; empty: synthetic 1296×968 frames
  int images = 2, tiles = 6, newTokens = 32;
  int batch = 1;           // questions decoded together for samples/s (each with its own images)
  bool cudaGraphs = true;  // record the decode step on CUDA (LoadOptions::cudaGraphs)
  bool hugePages = true;   // the streamed matrices in huge pages on the CPU (LoadOptions)
  // Also answer the question explained (explainTopK runners-up per token, then the attention
  // pass over all layers) about frames of its own, and time it against the plain answer.
  bool explain = false;
  int explainTopK = 5;
  // Rounds of the vision encoder alone on the first image's tiles, each between two measurements
  // of the matmul rate: on a shared host whose speed swings within minutes, the median round
  // compares vision with the machine of the same seconds.
  int visionRounds = 0;
};

// What the machine can do, measured in the same run: a large copy on the device (read + write)
// and matrix products in the model's arithmetic dtype, each repeated for a second; on the CPU
// also the same buffer read alone by every thread (memory_read.h). The limits are the sustained
// rates; the peaks are the best single runs (a shared host's bursts).
struct MachineLimits {
  double bandwidthGBps = 0, matmulGflops = 0;
  double peakBandwidthGBps = 0, peakMatmulGflops = 0;
  double readGBps = 0, peakReadGBps = 0;  // 0: not measured (a GPU)
};
MachineLimits measureMachineLimits(const std::string& device, const std::string& dtype);
// The matrix products alone (the bandwidths left 0).
MachineLimits measureMatmulLimit(const std::string& device, const std::string& dtype);
// Each rate the higher of two measurements. `bench speed` measures right before and right after
// the timed question: a limit taken in one of a shared host's slow spells would make every phase
// look closer to it than it is (run M of PERFORMANCE.md: a text prefill at 108% of a limit
// measured that low).
MachineLimits higherOf(const MachineLimits& a, const MachineLimits& b);

// One question's phases against those limits; `repeat*` are the same question asked again
// (its images come from the vision cache).
struct SpeedReport {
  std::string dtype, device, model;
  std::vector<int> tilesPerImage;
  int promptTokens = 0, newTokens = 0, batch = 1;
  double loadSeconds = 0, visionMs = 0, prefillMs = 0, ttftMs = 0, decodeTokensPerSecond = 0;
  double repeatTtftMs = 0, repeatVisionMs = 0;
  double visionFlops = 0, prefillFlops = 0, decodeBytesPerToken = 0;
  double weightGB = 0, kvCacheGB = 0;
  double hugePageWeightGB = 0;  // of the weights, what the kernel held in huge pages after loading
  double peakRssGB = 0;   // over the questions, without the limits' buffers where Linux allows
  double peakGpuGB = -1;  // the CUDA allocator's peak over the timed questions; -1: not known
  double samplesPerSecond = 0;            // questions answered per second at `batch`
  double batchDecodeTokensPerSecond = 0;  // every sequence of the batch together, while decoding
  bool cudaGraphs = false;                // whether decode steps were replayed from a CUDA graph
  // The timed question's answer (vision, prefill, decode) and, with SpeedOptions::explain, the
  // explained one (the same with token probabilities, then the attention pass) and the attention
  // pass alone.
  double plainAnswerMs = 0, explainedAnswerMs = 0, attentionPassMs = 0;
  MachineLimits limits;
  // Each vision round's time, and its FLOP/s against the higher of the matmul rates on either
  // side of it.
  std::vector<double> visionRoundMs, visionRoundPercents;
  int visionRoundTiles = 0;

  double decodeLimitPercent() const;  // bytes read per second against the copy bandwidth
  // The same against the read bandwidth; none where it was not measured.
  std::optional<double> decodeReadLimitPercent() const;
  double visionLimitPercent() const;   // FLOP/s against the measured matmul rate
  double prefillLimitPercent() const;  // the text part of prefill (vision excluded)
  std::optional<double> medianVisionRoundPercent() const;  // none without rounds
  double singleSamplesPerSecond() const;  // the timed question alone (batch 1), same run
  double batchSpeedup() const;            // samples/s at `batch` over batch 1's
  // The most batchSpeedup can be on this machine: `batch` questions cost at least each one's
  // vision and prefill FLOPs at the peak matmul rate (distinct frames and prompts share no
  // arithmetic) plus one question's decode steps, each reading its bytes once at the peak
  // bandwidth; against the time batch 1 took. Short answers leave batching little to share.
  double batchSpeedupBound() const;
};

// Loads (or makes) the model, asks one question about the images twice, decodes `newTokens`
// greedily without stopping, and measures every phase. `progress` hears what runs now.
SpeedReport measureSpeed(const SpeedOptions& options,
                         const std::function<void(const std::string&)>& progress = {});

}  // namespace mspa::inference
