// Dataset index benchmark: writes a synthetic MultiSPA file (canonical prompts and answers of all
// 26 subtasks, ScanNet-style image paths, MultiSPA's line sizes), then measures the index build
// (rate, peak memory of the building process), reopening, filters, sorts and opening a sample,
// and runs Python's json counting samples per question_type over the same file as the peer.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/image.h"
#include "core/multispa_sample.h"
#include "core/task_catalog.h"
#include "dataset_browser/dataset_index.h"
#include "dataset_browser/dataset_query.h"

namespace fs = std::filesystem;
using namespace mspa;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string fill(std::string text, const std::string& value) {
  for (std::size_t at = text.find('{'); at != std::string::npos;
       at = text.find('{', at + value.size())) {
    const auto end = text.find('}', at);
    if (end == std::string::npos) break;
    text.replace(at, end - at + 1, value);
  }
  return text;
}

// Lines cycle through the subtasks; values, ids and scenes vary.
std::uint64_t writeDataset(const std::string& path, std::size_t samples) {
  std::ofstream out(path);
  std::mt19937 rng(7);
  const auto& tasks = taskCatalog();
  for (std::size_t i = 0; i < samples; ++i) {
    const TaskInfo& t = tasks[i % tasks.size()];
    const std::string scene =
        "scene" + std::to_string(1000 + rng() % 700) + "_0" + std::to_string(rng() % 3);
    nlohmann::json image = nlohmann::json::array();
    for (int f = 0; f < t.frames; ++f)
      image.push_back(scene + "/" + std::to_string(100000 + rng() % 3000).substr(1) + ".jpg");
    nlohmann::json gt;
    std::string value;
    switch (t.answer) {
      case AnswerKind::Word:
        gt = value = t.choices[rng() % t.choices.size()];
        break;
      case AnswerKind::Letter:
        gt = value = t.choices[rng() % t.choices.size()];
        break;
      case AnswerKind::Coordinate:
        gt = {rng() % 1000, rng() % 1000};
        value = "[ " + std::to_string(gt[0].get<int>()) + " , " + std::to_string(gt[1].get<int>()) +
                " ]";
        break;
      case AnswerKind::VectorMm:
        gt = {0.001 * (rng() % 2000), -0.001 * (rng() % 500), 0.001 * (rng() % 3000)};
        value = "[ 12 , -3 , 410 ]";
        break;
      default:
        gt = static_cast<int>(rng() % 5000);
        value = std::to_string(gt.get<int>());
        break;
    }
    const std::string human =
        fill(t.taskDescription + "\n" + t.question, std::to_string(rng() % 1000));
    nlohmann::json s = {{"id", 1000000 + i},
                        {"image", t.frames == 1 ? image[0] : image},
                        {"conversations",
                         {{{"from", "human"}, {"value", human}},
                          {{"from", "gpt"}, {"value", fill(t.answerTemplate, value)}}}},
                        {"width_list", std::vector<int>(t.frames, 1296)},
                        {"height_list", std::vector<int>(t.frames, 968)},
                        {"question_type", t.questionType},
                        {"gt_value", gt}};
    out << s.dump() << '\n';
  }
  out.close();
  return fs::file_size(path);
}

// The peak resident memory of building the index, in a child process of its own.
double buildPeakMegabytes(const std::string& path, const std::string& indexDir, double& seconds) {
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) return -1;
  const pid_t child = ::fork();
  if (child == 0) {
    const auto start = Clock::now();
    dataset::DatasetIndex::build({path}, {}, indexDir);
    const double s = secondsSince(start);
    (void)!::write(pipeFds[1], &s, sizeof s);
    ::_exit(0);
  }
  (void)!::read(pipeFds[0], &seconds, sizeof seconds);
  int status = 0;
  rusage usage{};
  ::wait4(child, &status, 0, &usage);
  return usage.ru_maxrss / 1024.0;
}

template <typename Work>
double bestOf(int runs, Work&& work) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    work();
    best = std::min(best, secondsSince(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dataset index benchmark"};
  std::size_t samples = 2'000'000;
  std::string dir = "/tmp/mspa-bench-dataset";
  std::string peer = "bench/dataset_peer_python.py";
  bool keep = false;
  app.add_option("--samples", samples, "synthetic samples")->capture_default_str();
  app.add_option("--dir", dir, "work folder")->capture_default_str();
  app.add_option("--peer", peer, "the Python json peer script (empty: skip)")
      ->capture_default_str();
  app.add_flag("--keep", keep, "reuse the file in --dir if it has this many samples");
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(dir);
  const std::string path = dir + "/multispa_bench_train.jsonl";
  const bool reuse = keep && fs::exists(path + ".samples") &&
                     std::ifstream(path + ".samples").get() != EOF && [&] {
                       std::size_t n = 0;
                       std::ifstream(path + ".samples") >> n;
                       return n == samples;
                     }();
  const std::uint64_t bytes = reuse ? fs::file_size(path) : writeDataset(path, samples);
  std::ofstream(path + ".samples") << samples;
  std::printf("file: %zu samples, %.0f MB, %.0f bytes per line (page cache warm)\n", samples,
              bytes / 1e6, double(bytes) / samples);

  const std::string indexDir = dir + "/index";
  double buildSeconds = 0;
  const double peakMb = buildPeakMegabytes(path, indexDir, buildSeconds);
  std::printf("index build: %.2f s = %.0f samples/s (%.0f MB/s), peak RSS %.0f MB\n", buildSeconds,
              samples / buildSeconds, bytes / 1e6 / buildSeconds, peakMb);
  std::printf("  extrapolated to 27M samples: %.1f s\n", 27e6 / (samples / buildSeconds));

  const double reopen =
      bestOf(5, [&] { dataset::DatasetIndex::open({path}, {}, nullptr, nullptr, indexDir); });
  const auto index = dataset::DatasetIndex::open({path}, {}, nullptr, nullptr, indexDir);
  std::printf("reopen: %.1f ms\n", reopen * 1e3);

  std::vector<std::uint32_t> rows;
  const double filterAll = bestOf(3, [&] { rows = dataset::filterRows(index, {}); });
  const double filterType = bestOf(3, [&] {
    rows = dataset::filterRows(index, dataset::parseWhere("question_type=x_movement"));
  });
  const std::size_t typeRows = rows.size();
  const double filterTwo = bestOf(3, [&] {
    rows = dataset::filterRows(
        index, dataset::parseWhere("column=Depth|Cam. translation direction,images=2"));
  });
  auto all = dataset::filterRows(index, {});
  // The first sort by a column computes (and stores) its order; later ones walk it.
  const double firstSort = bestOf(1, [&] {
    auto copy = all;
    dataset::sortRows(index, copy, dataset::SortKey::Answer, false);
  });
  auto half = dataset::filterRows(index, dataset::parseWhere("images=2"));
  const double sortSubset = bestOf(3, [&] {
    auto copy = half;
    dataset::sortRows(index, copy, dataset::SortKey::Answer, false);
  });
  const double sortAnswer = bestOf(3, [&] {
    auto copy = all;
    dataset::sortRows(index, copy, dataset::SortKey::Answer, false);
  });
  const double sortScene = bestOf(3, [&] {
    auto copy = all;
    dataset::sortRows(index, copy, dataset::SortKey::Scene, true);
  });
  const double stats = bestOf(3, [&] { dataset::computeStats(index); });
  const double histogram = bestOf(3, [&] { dataset::countByQuestionType(index, all); });
  std::printf(
      "filter: all %.0f ms, one question_type (%zu rows) %.0f ms, two columns + image count %.0f "
      "ms\n",
      filterAll * 1e3, typeRows, filterType * 1e3, filterTwo * 1e3);
  std::printf(
      "sort all %zu rows by answer: first %.0f ms (computes the cached order), then %.0f ms; by "
      "scene %.0f ms\n",
      all.size(), firstSort * 1e3, sortAnswer * 1e3, sortScene * 1e3);
  std::printf(
      "sort the %zu two-image rows by answer: %.0f ms; question-type histogram %.0f ms; full stats "
      "%.0f ms\n",
      half.size(), sortSubset * 1e3, histogram * 1e3, stats * 1e3);

  // Opening a sample: read its line, parse it, decode its two images (1296x968 JPEGs).
  RgbImage frame{1296, 968, std::vector<std::uint8_t>(1296 * 968 * 3)};
  for (std::size_t i = 0; i < frame.pixels.size(); ++i)
    frame.pixels[i] = static_cast<std::uint8_t>((i * 7) ^ (i >> 9));
  writeJpeg(dir + "/a.jpg", frame);
  writeJpeg(dir + "/b.jpg", frame);
  const double openSample = bestOf(5, [&] {
    std::string error;
    const auto sample = parseSampleLine(index.line(all[all.size() / 2 + 1]), error);
    readRgbImage(dir + "/a.jpg");
    readRgbImage(dir + "/b.jpg");
  });
  std::printf("open a sample with two 1296x968 images: %.1f ms\n", openSample * 1e3);

  if (peer.empty()) return 0;
  const auto start = Clock::now();
  const int status = std::system(("python3 " + peer + " " + path + " > /dev/null").c_str());
  const double python = secondsSince(start);
  if (status == 0) {
    std::printf(
        "peer: Python json counting per question_type: %.2f s = %.0f samples/s; index build is "
        "%.1fx faster\n",
        python, samples / python, python / buildSeconds);
  }
  return 0;
}
