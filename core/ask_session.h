#pragma once

#include <string>
#include <vector>

#include "core/ask.h"
#include "core/scene.h"

namespace mspa {

// One question of an interactive session and how it was answered.
struct AskRecord {
  Question question;
  AskOutcome outcome;
};

struct SessionExport {
  std::string questions, predictions, images;  // the paths written
};

// Turns a session into a benchmark: OUT/questions.jsonl (MultiSPA samples), OUT/predictions.jsonl
// (a run header naming the backends, then {"id", "text"} per answer: what `mspa score` reads) and
// the images under OUT/images. Throws InputError naming the file that cannot be written.
SessionExport exportAskSession(const Scene& scene, const std::vector<AskRecord>& records, const std::string& outDir);

}  // namespace mspa
