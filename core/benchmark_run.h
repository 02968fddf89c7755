#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ask.h"

namespace mspa {

struct BenchmarkProgress {
  std::size_t done = 0, total = 0, errors = 0, retries = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? done / seconds : 0; }
  double etaSeconds() const { return rate() > 0 ? (total - done) / rate() : 0; }
};

struct BenchmarkRunOptions {
  std::string data, images, out;
  int workersPerBackend = 1;  // concurrent requests per endpoint (1 for the local engine)
  int batch = 1;              // samples each worker hands its backend at once (answerBatch)
  int retries = 3;            // per sample, with exponential backoff, where retries can help
  double backoffSeconds = 0.2;
  std::size_t limit = 0;     // answer at most this many new samples (0: all)
  bool decodeImages = true;  // false when the backends send image files as they are (endpoints)
  nlohmann::json header;     // the run header: model, adapter, tiles, template, dtype, device, ...
  std::function<void(const BenchmarkProgress&)> progress;  // about once a second
  const std::atomic<bool>* stop = nullptr;  // Ctrl-C: finish what is in flight, take nothing new
};

struct BenchmarkRunReport {
  std::size_t total = 0, alreadyDone = 0, answered = 0, errors = 0, retries = 0;
  double seconds = 0;
  bool stopped = false;
  std::vector<std::string> warnings;
};

// Makes one backend per worker (a local model is loaded once and shared by its single worker).
using BackendMaker = std::function<std::unique_ptr<AnswerBackend>()>;

// Answers every sample of a MultiSPA benchmark and appends {"id", "text"} lines to `out` (one
// write per line, so a kill leaves whole lines), after a run header. Resumable: ids already
// answered in `out` are skipped; a run header that differs from this run's is refused (mixed runs
// would be scored as one). Samples whose images are missing, or that fail after the retries, get
// a line with "error" instead of "text" and are tried again on resume. Work is spread over every
// backend's workers. Throws InputError for unreadable inputs.
BenchmarkRunReport runBenchmark(const std::vector<BackendMaker>& backends,
                                const BenchmarkRunOptions& options);

// The question a sample asks: its prompt and its image files under `imageRoot` (decoded when
// `decode`). Throws InputError naming a missing or unreadable image.
Question questionFromSample(const Sample& sample, const std::string& imageRoot, bool decode = true);

}  // namespace mspa
