#include "core/dataset_generator.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "core/frame_overlap.h"
#include "core/geometry.h"
#include "core/input_error.h"
#include "core/question_builder.h"

namespace fs = std::filesystem;

namespace mspa {
namespace {

constexpr std::size_t kOverlapPoints = 50'000;  // cloud subsample for visibility sets
constexpr std::size_t kMaxPairsTried = 20'000;

bool needsOverlapPair(const TaskInfo& t) {
  return t.group == "Camera movement" || t.group == "Visual correspondence";
}

// Frame pairs whose overlap lies in the range, as a list per 1% bin.
std::vector<std::vector<std::pair<int, int>>> overlapBins(const Scene& scene,
                                                          const GenerateOptions& options,
                                                          std::mt19937& rng,
                                                          GenerateReport& report) {
  std::vector<std::vector<std::pair<int, int>>> bins(
      static_cast<std::size_t>(std::ceil((options.maxOverlap - options.minOverlap) * 100)) + 1);
  const FrameOverlap overlap(scene, kOverlapPoints);
  if (!overlap.available()) return bins;
  const std::vector<int>& posed = overlap.posedFrames();
  std::vector<std::pair<int, int>> pairs;
  for (std::size_t a = 0; a < posed.size(); ++a) {
    for (std::size_t b = a + 1; b < posed.size(); ++b) pairs.emplace_back(posed[a], posed[b]);
  }
  std::shuffle(pairs.begin(), pairs.end(), rng);
  if (pairs.size() > kMaxPairsTried) pairs.resize(kMaxPairsTried);
  report.pairsTried = pairs.size();
  for (const auto& [a, b] : pairs) {
    const double iou = overlap.iou(a, b);
    if (iou < options.minOverlap || iou > options.maxOverlap) continue;
    bins[static_cast<std::size_t>((iou - options.minOverlap) * 100)].push_back({a, b});
    ++report.pairsInRange;
  }
  return bins;
}

// Draws pairs round-robin over the non-empty bins, so every overlap level is equally common.
class BalancedPairs {
 public:
  BalancedPairs(std::vector<std::vector<std::pair<int, int>>> bins, std::mt19937& rng)
      : bins_(std::move(bins)), rng_(rng) {
    for (auto& bin : bins_) std::shuffle(bin.begin(), bin.end(), rng_);
  }
  bool empty() const {
    return std::all_of(bins_.begin(), bins_.end(), [](const auto& b) { return b.empty(); });
  }
  std::pair<int, int> next() {
    while (bins_[cursor_ % bins_.size()].empty()) ++cursor_;
    auto& bin = bins_[cursor_++ % bins_.size()];
    return bin[std::uniform_int_distribution<std::size_t>(0, bin.size() - 1)(rng_)];
  }

 private:
  std::vector<std::vector<std::pair<int, int>>> bins_;
  std::mt19937& rng_;
  std::size_t cursor_ = 0;
};

// Writes each plain frame once and each annotated image under the image root.

}  // namespace

GenerateReport generateDataset(const Scene& scene, const std::string& outDir,
                               const GenerateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  GenerateReport report;
  std::error_code error;
  fs::create_directories(outDir, error);
  if (error) throw InputError(outDir, "cannot create the folder: " + error.message());
  std::mt19937 rng(options.seed);
  QuestionBuilder builder(scene, options.seed);
  QuestionImageWriter images(scene, (fs::path(outDir) / "images").string());
  std::optional<BalancedPairs> pairs;

  std::vector<const TaskInfo*> subtasks;
  for (const auto& t : taskCatalog()) {
    if (t.subtask.size() < 8 || t.subtask.compare(t.subtask.size() - 8, 8, "_pstudio") != 0)
      subtasks.push_back(&t);
  }
  for (std::size_t s = 0; s < subtasks.size(); ++s) {
    const TaskInfo& task = *subtasks[s];
    if (const std::string reason = builder.unsupportedReason(task); !reason.empty()) {
      report.skipped[task.subtask] = reason;
      continue;
    }
    if (needsOverlapPair(task) && !pairs)
      pairs.emplace(overlapBins(scene, options, rng, report), rng);
    if (needsOverlapPair(task) && pairs->empty()) {
      report.skipped[task.subtask] = "no frame pair overlaps between " +
                                     std::to_string(int(options.minOverlap * 100)) + "% and " +
                                     std::to_string(int(options.maxOverlap * 100)) + "%";
      continue;
    }
    std::ofstream out(fs::path(outDir) / (task.subtask + ".jsonl"), std::ios::trunc);
    int written = 0;
    for (int attempt = 0; written < options.perSubtask && attempt < options.perSubtask * 20;
         ++attempt) {
      QuestionSpec spec;
      spec.subtask = task.subtask;
      if (needsOverlapPair(task)) {
        const auto [a, b] = pairs->next();
        spec.frames = std::uniform_int_distribution<int>(0, 1)(rng) ? std::vector<int>{a, b}
                                                                    : std::vector<int>{b, a};
      }
      std::string whyNot;
      const auto question = builder.build(spec, whyNot);
      if (!question) continue;
      images.write(*question);
      out << sampleToJson(question->sample).dump() << "\n";
      ++written;
    }
    if (!out) throw InputError(outDir, "cannot write " + task.subtask + ".jsonl (disk full?)");
    report.written[task.subtask] = written;
    report.samples += static_cast<std::size_t>(written);
    if (options.progress && !options.progress(static_cast<double>(s + 1) / subtasks.size()))
      throw Cancelled();
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

QuestionImageWriter::QuestionImageWriter(const Scene& scene, std::string root)
    : scene_(scene), root_(std::move(root)) {}

void QuestionImageWriter::write(const Question& q) {
  for (std::size_t i = 0; i < q.sample.images.size(); ++i) {
    const std::string& name = q.sample.images[i];
    if (!written_.insert(name).second) continue;
    const fs::path path = fs::path(root_) / name;
    fs::create_directories(path.parent_path());
    const Frame& frame = scene_.frames[q.frames[i]];
    const bool plain = name == scene_.name + "/" + frame.name + ".jpg";
    if (plain && !frame.imagePath.empty() && fs::path(frame.imagePath).extension() == ".jpg") {
      fs::copy_file(frame.imagePath, path, fs::copy_options::overwrite_existing);
    } else {
      writeJpeg(path.string(), q.images[i], 95);
    }
  }
}

}  // namespace mspa
