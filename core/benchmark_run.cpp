#include "core/benchmark_run.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "core/input_error.h"

namespace fs = std::filesystem;

namespace mspa {
namespace {

using Clock = std::chrono::steady_clock;

// The ids answered in an earlier run of the same output, and its header.
struct EarlierRun {
  std::set<std::string> answered;
  nlohmann::json header;
  std::size_t lines = 0;
};

EarlierRun readEarlierRun(const std::string& path) {
  EarlierRun earlier;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;  // a line cut by a crash is answered again
    ++earlier.lines;
    if (j.contains("run")) {
      earlier.header = j["run"];
    } else if (j.contains("id") && j.contains("text") && !j.contains("error")) {
      earlier.answered.insert(j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump());
    }
  }
  return earlier;
}

// What must match for two runs to share an output: everything but the date.
nlohmann::json comparable(nlohmann::json header) {
  header.erase("date");
  return header;
}

// Appends whole lines with one write() each: O_APPEND makes every write land at the end, whole.
class LineAppender {
 public:
  explicit LineAppender(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {
    if (fd_ < 0) throw InputError(path, "cannot write");
  }
  ~LineAppender() { ::close(fd_); }
  void append(const nlohmann::json& j) {
    const std::string line =
        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      throw InputError(path_, "writing failed (disk full?)");
  }

 private:
  std::string path_;
  int fd_;
};

nlohmann::json idJson(const std::string& id) {
  // Numeric ids stay numbers, as in the benchmark.
  const bool numeric = !id.empty() && id.find_first_not_of("0123456789-") == std::string::npos;
  return numeric ? nlohmann::json(std::stoll(id)) : nlohmann::json(id);
}

}  // namespace

Question questionFromSample(const Sample& sample, const std::string& imageRoot, bool decode) {
  Question q;
  q.task = findTask(sample.questionType);
  q.sample = sample;
  for (const auto& image : sample.images) {
    const fs::path path = fs::path(imageRoot) / image;
    if (!fs::exists(path)) throw InputError(path.string(), "missing image");
    q.imageFiles.push_back(path.string());
    if (decode) q.images.push_back(readRgbImage(path.string()));
  }
  return q;
}

BenchmarkRunReport runBenchmark(const std::vector<BackendMaker>& backends,
                                const BenchmarkRunOptions& o) {
  const auto start = Clock::now();
  BenchmarkRunReport report;
  const SampleFile benchmark = readSampleFile(o.data);
  for (const auto& d : benchmark.diagnostics)
    report.warnings.push_back(d.file + ":" + std::to_string(d.line) + ": " + d.problem);
  report.total = benchmark.samples.size();
  const EarlierRun earlier = readEarlierRun(o.out);
  if (!earlier.header.is_null() && comparable(earlier.header) != comparable(o.header)) {
    throw InputError(
        o.out, "holds a run with another setup (" + comparable(earlier.header).dump() +
                   "); mixing runs in one file would score them as one: choose another --out");
  }
  std::size_t unknown = 0;
  std::set<std::string> ids;
  for (const auto& s : benchmark.samples) ids.insert(s.id);
  for (const auto& id : earlier.answered) unknown += ids.count(id) ? 0 : 1;
  if (unknown)
    report.warnings.push_back(o.out + ": " + std::to_string(unknown) + " answered ids are not in " +
                              o.data + " (another benchmark?)");
  std::vector<const Sample*> todo;
  for (const auto& s : benchmark.samples) {
    if (earlier.answered.count(s.id)) {
      ++report.alreadyDone;
    } else if (!o.limit || todo.size() < o.limit) {
      todo.push_back(&s);
    }
  }
  LineAppender out(o.out);
  if (earlier.lines == 0) out.append({{"run", o.header}});

  std::mutex mutex;
  std::size_t next = 0;
  BenchmarkProgress progress;
  progress.total = todo.size();
  auto lastReport = Clock::now();
  std::string fatal;
  const auto take = [&]() {
    const std::lock_guard<std::mutex> lock(mutex);
    std::vector<const Sample*> taken;
    while (taken.size() < static_cast<std::size_t>(std::max(1, o.batch)) && next < todo.size() &&
           !(o.stop && o.stop->load()) && fatal.empty())
      taken.push_back(todo[next++]);
    return taken;
  };
  const auto finish = [&](const nlohmann::json& line, bool error, int retries) {
    const std::lock_guard<std::mutex> lock(mutex);
    out.append(line);
    ++progress.done;
    progress.errors += error ? 1 : 0;
    progress.retries += static_cast<std::size_t>(retries);
    progress.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (o.progress && Clock::now() - lastReport > std::chrono::seconds(1)) {
      lastReport = Clock::now();
      o.progress(progress);
    }
  };
  // One sample alone, retried with backoff; its line records the answer or the last error.
  const auto answerAlone = [&](AnswerBackend& backend, const Sample& sample, const Question& q) {
    nlohmann::json line = {{"id", idJson(sample.id)}};
    int retries = 0;
    try {
      for (;; ++retries) {
        try {
          line["text"] = backend.answer(q, {}, o.stop).text;
          break;
        } catch (const std::exception& e) {
          if (retries >= o.retries || !backend.retriesCanHelp()) throw;
          std::this_thread::sleep_for(
              std::chrono::duration<double>(o.backoffSeconds * (1 << retries)));
        }
      }
    } catch (const std::exception& e) {
      line["error"] = e.what();
    }
    finish(line, line.contains("error"), retries);
  };
  const auto work = [&](const BackendMaker& make) {
    std::unique_ptr<AnswerBackend> backend;
    try {
      backend = make();
    } catch (const std::exception& e) {
      const std::lock_guard<std::mutex> lock(mutex);
      fatal = e.what();
      return;
    }
    for (auto samples = take(); !samples.empty(); samples = take()) {
      std::vector<const Sample*> asked;
      std::vector<Question> questions;
      for (const Sample* sample : samples) {
        try {
          questions.push_back(questionFromSample(*sample, o.images, o.decodeImages));
          asked.push_back(sample);
        } catch (const std::exception& e) {
          finish({{"id", idJson(sample->id)}, {"error", e.what()}}, true, 0);
        }
      }
      if (questions.empty()) continue;
      if (questions.size() == 1) {
        answerAlone(*backend, *asked.front(), questions.front());
        continue;
      }
      try {
        const std::vector<BackendReply> replies = backend->answerBatch(questions, o.stop);
        for (std::size_t i = 0; i < asked.size(); ++i)
          finish({{"id", idJson(asked[i]->id)}, {"text", replies.at(i).text}}, false, 0);
      } catch (const std::exception& e) {
        {
          const std::lock_guard<std::mutex> lock(mutex);
          report.warnings.push_back("a batch of " + std::to_string(questions.size()) + " failed (" +
                                    e.what() + "); its samples were answered one at a time");
        }
        for (std::size_t i = 0; i < asked.size(); ++i)
          answerAlone(*backend, *asked[i], questions[i]);
      }
    }
  };
  std::vector<std::thread> threads;
  for (const auto& make : backends) {
    for (int w = 0; w < std::max(1, o.workersPerBackend); ++w) threads.emplace_back(work, make);
  }
  for (auto& t : threads) t.join();
  if (!fatal.empty()) throw std::runtime_error(fatal);
  report.answered = progress.done - progress.errors;
  report.errors = progress.errors;
  report.retries = progress.retries;
  report.stopped = progress.done < todo.size();
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace mspa
