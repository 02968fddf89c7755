#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/question_builder.h"
#include "core/scene.h"

namespace mspa {

struct GenerateOptions {
  int perSubtask = 50;
  std::uint32_t seed = 0;
  // Frame pairs for camera-movement and correspondence questions: overlap (IoU of the visible
  // cloud points) in this range, drawn evenly from 1% bins, as the data engine does.
  double minOverlap = 0.06, maxOverlap = 0.35;
  std::function<bool(double)> progress;  // fraction done; false cancels
};

struct GenerateReport {
  std::map<std::string, int> written;          // subtask -> samples
  std::map<std::string, std::string> skipped;  // subtask -> why the scene cannot support it
  std::size_t pairsInRange = 0, pairsTried = 0;
  std::size_t samples = 0;
  double seconds = 0;
};

// Writes MultiSPA data for every subtask the scene allows: OUT/{subtask}.jsonl and the images
// under OUT/images/{scene}/ (frames copied, annotated copies for dot variants), so OUT is the
// image root. The eight object-movement subtasks are generated once per referencing variant.
// Writes the images a question's sample names under ROOT, each name once: plain frames copied
// from their JPEG files, annotated copies (dots, letters) encoded.
class QuestionImageWriter {
 public:
  QuestionImageWriter(const Scene& scene, std::string root);
  void write(const Question& question);

 private:
  const Scene& scene_;
  std::string root_;
  std::set<std::string> written_;
};

GenerateReport generateDataset(const Scene& scene, const std::string& outDir,
                               const GenerateOptions& options = {});

}  // namespace mspa
