#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "app/backends/backend_factory.h"
#include "app/cli_backend_options.h"
#include "app/cli_commands.h"
#include "core/benchmark_run.h"
#include "core/fnv_hash.h"
#include "core/version.h"
#include "inference/model_config.h"
#include "inference/speed_command.h"

namespace mspa::cli {
namespace {

std::atomic<bool> interrupted{false};

void onInterrupt(int) {
  interrupted = true;
}

std::string today() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

struct BenchRunOptions {
  std::string data, images, out;
  BackendOptions backend;
  int retries = 3, maxNewTokens = 64, batch = 1;
  std::size_t limit = 0;
};

// What the output's first line records, so that a number can be traced to its setup.
nlohmann::json runHeader(const BenchRunOptions& run, const BackendSettings& s) {
  const BackendOptions& o = run.backend;
  nlohmann::json h = {{"backend", backendKindName(s.kind)},
                      {"software", std::string("mspa ") + version()},
                      {"date", today()},
                      {"benchmark", std::filesystem::path(run.data).filename().string()},
                      {"max_new_tokens", run.maxNewTokens}};
  if (s.kind == BackendSettings::Kind::Local) {
    std::ifstream config(std::filesystem::path(o.model) / "config.json");
    const std::string text((std::istreambuf_iterator<char>(config)), {});
    char hash[20];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(text)));
    const auto j = nlohmann::json::parse(text, nullptr, false);
    h.update(
        {{"model", std::filesystem::absolute(o.model).string()},
         {"config_hash", hash},
         {"adapter", o.lora},
         {"tiles_per_image", o.tiles},
         {"template", j.is_object() ? j.value("template", "") : ""},
         {"dtype", inference::storageDtype(inference::readModelConfig(o.model), o.device, o.dtype)},
         {"device", o.device}});
  } else if (s.kind == BackendSettings::Kind::OpenAI) {
    h.update({{"model", o.model}, {"endpoints", o.endpoints}});
  }
  return h;
}

void runBench(const BenchRunOptions& o) {
  BackendSettings settings = resolveBackend(o.backend, BackendSettings::Kind::Local, "bench run");
  settings.maxNewTokens = o.maxNewTokens;
  std::vector<BackendMaker> makers;
  const std::vector<std::string> targets = settings.kind == BackendSettings::Kind::OpenAI
                                               ? o.backend.endpoints
                                               : std::vector<std::string>{""};
  for (const auto& endpoint : targets) {
    BackendSettings s = settings;
    s.endpoint = endpoint;
    makers.push_back([s] { return backends::makeBackend(s); });
  }
  BenchmarkRunOptions run;
  run.data = o.data;
  run.images = o.images.empty() ? std::filesystem::path(o.data).parent_path().string() : o.images;
  run.out = o.out;
  run.workersPerBackend =
      settings.kind == BackendSettings::Kind::OpenAI ? o.backend.concurrency : 1;
  run.batch = settings.kind == BackendSettings::Kind::Local ? o.batch : 1;
  run.decodeImages =
      settings.kind != BackendSettings::Kind::OpenAI;  // endpoints get the files as they are
  run.retries = o.retries;
  run.limit = o.limit;
  run.header = runHeader(o, settings);
  run.stop = &interrupted;
  run.progress = [](const BenchmarkProgress& p) {
    std::fprintf(stderr, "\r%zu / %zu  %.1f samples/s  ETA %.0f s  errors %zu  retries %zu   ",
                 p.done, p.total, p.rate(), p.etaSeconds(), p.errors, p.retries);
  };
  std::signal(SIGINT, onInterrupt);
  const BenchmarkRunReport r = runBenchmark(makers, run);
  std::signal(SIGINT, SIG_DFL);
  for (const auto& w : r.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf(
      "%zu answered, %zu errors, %zu retries, %zu already in %s; %.1f s (%.1f samples/s)%s\n",
      r.answered, r.errors, r.retries, r.alreadyDone, o.out.c_str(), r.seconds,
      (r.answered + r.errors) / std::max(r.seconds, 1e-9),
      r.stopped ? "; stopped early: run the same command again to resume" : "");
  if (r.stopped) throw CLI::RuntimeError(130);
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Run a model over a MultiSPA benchmark");
  bench->require_subcommand(1);
  auto* run = bench->add_subcommand(
      "run", "Answer every sample into a prediction file (resumable; Ctrl-C stops cleanly)");
  auto o = std::make_shared<BenchRunOptions>();
  run->add_option("--data", o->data, "benchmark JSONL")->required();
  run->add_option("--images", o->images, "image root (default: the benchmark's folder)");
  run->add_option("--out", o->out, "prediction JSONL; answered ids in it are skipped")->required();
  BackendOptionSet shared;
  shared.severalEndpoints = shared.concurrency = true;
  addBackendOptions(*run, o->backend, shared);
  run->add_option("--batch", o->batch,
                  "local: samples decoded together (greedy answers are those of batch 1)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  run->add_option("--retries", o->retries,
                  "tries after a failed request to an endpoint, with backoff")
      ->capture_default_str();
  run->add_option("--max-new-tokens", o->maxNewTokens, "")->capture_default_str();
  run->add_option("--limit", o->limit, "answer at most this many new samples");
  run->callback([o] { runBench(*o); });
  inference::addSpeedCommand(*bench);
}

}  // namespace mspa::cli
