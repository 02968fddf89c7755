#include "core/ask_session.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "core/dataset_generator.h"
#include "core/input_error.h"
#include "core/version.h"

namespace fs = std::filesystem;

namespace mspa {

SessionExport exportAskSession(const std::vector<AskRecord>& records, const std::string& outDir) {
  SessionExport out{(fs::path(outDir) / "questions.jsonl").string(),
                    (fs::path(outDir) / "predictions.jsonl").string(),
                    (fs::path(outDir) / "images").string()};
  std::error_code error;
  fs::create_directories(outDir, error);
  if (error) throw InputError(outDir, "cannot create the folder: " + error.message());
  std::ofstream questions(out.questions), predictions(out.predictions);
  if (!questions) throw InputError(out.questions, "cannot write");
  if (!predictions) throw InputError(out.predictions, "cannot write");
  std::set<std::string> backends, scenes;
  for (const auto& r : records) {
    backends.insert(r.outcome.backend);
    scenes.insert(r.scene->name);
  }
  nlohmann::json run = {{"source", "MultiSPA Studio ask session"},
                        {"software", std::string("mspa ") + version()}};
  run["scenes"] = std::vector<std::string>(scenes.begin(), scenes.end());
  run["backends"] = std::vector<std::string>(backends.begin(), backends.end());
  predictions << nlohmann::json{{"run", run}}.dump() << "\n";
  std::map<const Scene*, std::unique_ptr<QuestionImageWriter>> images;  // one per scene
  for (const auto& r : records) {
    questions << sampleToJson(r.question.sample).dump() << "\n";
    predictions << nlohmann::json{{"id", r.question.sample.id}, {"text", r.outcome.reply.text}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    auto& writer = images[r.scene.get()];
    if (!writer) writer = std::make_unique<QuestionImageWriter>(*r.scene, out.images);
    writer->write(r.question);
  }
  if (!questions.flush() || !predictions.flush())
    throw InputError(outDir, "writing the session failed (disk full?)");
  return out;
}

}  // namespace mspa
