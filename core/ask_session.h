#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/scene.h"

namespace mspa {

// One question of an interactive session and how it was answered: the question as sent (with
// the user's prompt edits), its canonical prompt (for Reset) and the scene it was asked on, so
// that an entry stays meaningful after another scene is opened.
struct AskRecord {
  Question question;
  AskOutcome outcome;
  std::string canonicalPrompt;
  std::shared_ptr<const Scene> scene;
};

struct SessionExport {
  std::string questions, predictions, images;  // the paths written
};

// Turns a session into a benchmark: OUT/questions.jsonl (MultiSPA samples), OUT/predictions.jsonl
// (a run header naming the scenes and backends, then {"id", "text"} per answer: what `mspa score`
// reads) and the images under OUT/images, from each record's own scene. Throws InputError naming
// the file that cannot be written.
SessionExport exportAskSession(const std::vector<AskRecord>& records, const std::string& outDir);

}  // namespace mspa
