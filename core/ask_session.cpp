#include "core/ask_session.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "core/dataset_generator.h"
#include "core/input_error.h"
#include "core/version.h"

namespace fs = std::filesystem;

namespace mspa {

BackendLease::BackendLease(std::shared_ptr<AnswerBackend> backend,
                           std::shared_ptr<std::mutex> inUse)
    : backend_(std::move(backend)), inUse_(std::move(inUse)), held_(*inUse_) {}

BackendCache::BackendCache(BackendFactory factory) : factory_(std::move(factory)) {}

void BackendCache::setFactory(BackendFactory factory) {
  std::lock_guard lock(mutex_);
  factory_ = std::move(factory);
  slots_.clear();
}

void BackendCache::setSettings(const BackendSettings& settings) {
  std::lock_guard lock(mutex_);
  if (settings == settings_) return;
  settings_ = settings;
  slots_.clear();
}

BackendSettings BackendCache::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

std::vector<BackendLease> BackendCache::acquire(int count) {
  std::vector<Slot> chosen;
  {
    std::unique_lock lock(mutex_);
    while (static_cast<int>(slots_.size()) < count) {
      const BackendSettings wanted = settings_;
      const BackendFactory factory = factory_;
      lock.unlock();
      Slot made{factory(wanted)};
      lock.lock();
      ++loads_;
      // The settings changed during the load: this backend answers the run it was made for, and
      // the next acquire loads for the new settings.
      if (!(wanted == settings_)) {
        chosen = {made};
        break;
      }
      slots_.push_back(std::move(made));
    }
    if (chosen.empty()) chosen.assign(slots_.begin(), slots_.begin() + count);
  }
  std::vector<BackendLease> leases;  // taken outside the lock, in slot order (no deadlock)
  for (auto& slot : chosen) leases.emplace_back(slot.backend, slot.inUse);
  return leases;
}

std::string BackendCache::loadedLabel() const {
  std::lock_guard lock(mutex_);
  return slots_.empty() ? std::string() : slots_.front().backend->label();
}

void BackendCache::unload() {
  std::lock_guard lock(mutex_);
  slots_.clear();
}

int BackendCache::loads() const {
  std::lock_guard lock(mutex_);
  return loads_;
}

PendingAsk::PendingAsk(AskRecord record, std::shared_ptr<BackendCache> backends,
                       std::optional<ExplainOptions> explain)
    : record_(std::move(record)), backends_(std::move(backends)), explain_(explain) {}

AskRecord PendingAsk::run(const AnswerProgress& progress, const std::atomic<bool>* cancel) const {
  AskRecord answered = record_;
  const BackendLease backend = backends_->acquire();
  const BackendReply reply =
      explain_ ? backend->answerExplained(answered.question, *explain_, progress, cancel)
               : backend->answer(answered.question, progress, cancel);
  if (reply.cancelled) {
    answered.outcome.reply = reply;
    return answered;
  }
  answered.outcome = judgeAnswer(answered.question, reply);
  answered.outcome.backend = backend->label();
  answered.outcome.groundTruthBackend = backend->answersWithTruth();
  answered.overlay = buildAnswerOverlay(*answered.scene, answered.question, answered.outcome);
  return answered;
}

AskSession::AskSession(BackendFactory factory, std::uint32_t seed)
    : backends_(std::make_shared<BackendCache>(std::move(factory))), seed_(seed) {}

void AskSession::setScene(std::shared_ptr<const Scene> scene) {
  scene_ = std::move(scene);
  builder_ = scene_ ? std::make_unique<QuestionBuilder>(*scene_, seed_) : nullptr;
  overlap_.reset();
  question_.reset();
  prompt_.clear();
}

std::string AskSession::unsupportedReason(const TaskInfo& task) const {
  return builder_ ? builder_->unsupportedReason(task) : "no scene is open";
}

bool AskSession::compose(const QuestionSpec& spec, std::string& whyNot, int attempts) {
  if (!builder_) {
    whyNot = "no scene is open";
    return false;
  }
  std::optional<Question> built;
  for (int attempt = 0; !built && attempt < std::max(1, attempts); ++attempt)
    built = builder_->build(spec, whyNot);
  if (!built) return false;
  question_ = std::move(built);
  prompt_ = question_->sample.prompt;
  return true;
}

int AskSession::overlapPartner(int frame, double minOverlap, double maxOverlap,
                               std::string& whyNot) {
  if (!scene_) {
    whyNot = "no scene is open";
    return -1;
  }
  if (!overlap_) overlap_ = std::make_unique<FrameOverlap>(*scene_);
  if (!overlap_->available()) {
    whyNot = "pairing by overlap needs a scene cloud";
    return -1;
  }
  const int partner = overlap_->partner(frame, minOverlap, maxOverlap);
  if (partner < 0) whyNot = "no frame overlaps frame " + std::to_string(frame) + " by that much";
  return partner;
}

double AskSession::overlap(int a, int b) {
  return overlap_ ? overlap_->iou(a, b) : 0.0;
}

void AskSession::resetPrompt() {
  if (question_) prompt_ = question_->sample.prompt;
}

std::optional<PendingAsk> AskSession::prepare() const {
  if (!question_) return std::nullopt;
  AskRecord asked{*question_, {}, question_->sample.prompt, scene_, {}};
  asked.question.sample.prompt = prompt_;
  return PendingAsk(std::move(asked), backends_, explain_);
}

std::size_t AskSession::record(AskRecord answered) {
  history_.push_back(std::move(answered));
  return history_.size() - 1;
}

const AskRecord& AskSession::ask(const AnswerProgress& progress, const std::atomic<bool>* cancel) {
  const auto pending = prepare();
  if (!pending) throw std::logic_error("AskSession::ask without a composed question");
  AskRecord answered = pending->run(progress, cancel);
  if (answered.outcome.reply.cancelled) throw std::runtime_error("the question was cancelled");
  return history_[record(std::move(answered))];
}

bool AskSession::restore(std::size_t index) {
  if (index >= history_.size() || history_[index].scene != scene_) return false;
  const AskRecord& entry = history_[index];
  question_ = entry.question;
  question_->sample.prompt = entry.canonicalPrompt;
  prompt_ = entry.question.sample.prompt;
  return true;
}

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
