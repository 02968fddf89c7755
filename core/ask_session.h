#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/answer_overlay.h"
#include "core/ask.h"
#include "core/frame_overlap.h"
#include "core/scene.h"

namespace mspa {

// Makes the backend the settings name (the app wires backends::makeBackend; tests count calls).
using BackendFactory = std::function<std::unique_ptr<AnswerBackend>(const BackendSettings&)>;

// A backend held for one run: whoever wants the same backend meanwhile waits for its release
// (the local engine answers one question at a time; the Ask panel and the reward annotator share
// it).
class BackendLease {
 public:
  BackendLease(std::shared_ptr<AnswerBackend> backend, std::shared_ptr<std::mutex> inUse);
  AnswerBackend* get() const { return backend_.get(); }
  AnswerBackend* operator->() const { return backend_.get(); }

 private:
  std::shared_ptr<AnswerBackend> backend_;
  std::shared_ptr<std::mutex> inUse_;
  std::unique_lock<std::mutex> held_;
};

// The backends for the current settings: created at first use and reused while the settings
// compare equal, so a local model loads once and its vision cache serves the next question.
// Settings change on one thread (the GUI's) while another acquires (a worker's): creation runs
// outside the lock, so changing the settings never waits for a load.
class BackendCache {
 public:
  explicit BackendCache(BackendFactory factory);

  void setFactory(BackendFactory factory);            // drops the backends
  void setSettings(const BackendSettings& settings);  // drops the backends when they differ
  BackendSettings settings() const;
  // `count` backends for the settings (several questions in flight on an endpoint), creating the
  // missing ones; throws the factory's error (a broken checkpoint, a bad endpoint).
  std::vector<BackendLease> acquire(int count);
  BackendLease acquire() { return std::move(acquire(1).front()); }
  // The label of the loaded backend, empty when none is loaded.
  std::string loadedLabel() const;
  void unload();
  int loads() const;  // backends created so far: the log and the tests count loads

 private:
  struct Slot {
    std::shared_ptr<AnswerBackend> backend;
    std::shared_ptr<std::mutex> inUse = std::make_shared<std::mutex>();
  };
  mutable std::mutex mutex_;
  BackendFactory factory_;
  BackendSettings settings_;
  std::vector<Slot> slots_;  // made under settings_
  int loads_ = 0;
};

// One question of an interactive session and how it was answered: the question as sent (with
// the user's prompt edits), its canonical prompt (for Reset), the scene it was asked on, so
// that an entry stays meaningful after another scene is opened, and its answer drawn against
// the truth.
struct AskRecord {
  Question question;
  AskOutcome outcome;
  std::string canonicalPrompt;
  std::shared_ptr<const Scene> scene;
  AnswerOverlay overlay;
};

// A question taken from the session to be answered: everything it needs is its own, so it runs on
// any thread while the session composes the next question or opens another scene.
class PendingAsk {
 public:
  PendingAsk(AskRecord record, std::shared_ptr<BackendCache> backends,
             std::optional<ExplainOptions> explain = std::nullopt);
  const AskRecord& record() const { return record_; }
  // Loads the backend when none is loaded, asks (with the explanation when one was asked for),
  // judges under the scorer's rule and draws the overlay. A cancelled answer comes back unjudged
  // with outcome.reply.cancelled set. Throws the backend's error, or the judge's when the question
  // cannot be scored.
  AskRecord run(const AnswerProgress& progress, const std::atomic<bool>* cancel) const;

 private:
  AskRecord record_;
  std::shared_ptr<BackendCache> backends_;
  std::optional<ExplainOptions> explain_;
};

struct SessionExport {
  std::string questions, predictions, images;  // the paths written
};

// The ask cycle without a display, shared by the GUI's Ask panel and `mspa ask --scene`: a scene,
// the question composed on it (canonical prompt and the prompt as edited), the backends, and the
// history of questions answered, each with its own scene.
class AskSession {
 public:
  explicit AskSession(BackendFactory factory, std::uint32_t seed = 0);

  // Shared with whoever else asks on the session's backends (the reward annotator).
  const std::shared_ptr<BackendCache>& backends() const { return backends_; }

  // Another scene (or none): the question is dropped, the history kept.
  void setScene(std::shared_ptr<const Scene> scene);
  const std::shared_ptr<const Scene>& scene() const { return scene_; }
  // Empty when the scene can pose the subtask; else why not ("no scene is open" without one).
  std::string unsupportedReason(const TaskInfo& task) const;

  // Composes the current question; sampled specs are drawn again up to `attempts` times (sampled
  // frames may miss what the task needs). On failure the previous question stays and `whyNot`
  // says why.
  bool compose(const QuestionSpec& spec, std::string& whyNot, int attempts = 1);
  // The frame overlapping `frame` by [minOverlap, maxOverlap] nearest the middle (the data
  // engine's pairing); -1 with `whyNot` set when there is none.
  int overlapPartner(int frame, double minOverlap, double maxOverlap, std::string& whyNot);
  double overlap(int a, int b);

  // The composed question with its canonical prompt.
  const std::optional<Question>& question() const { return question_; }
  const std::string& prompt() const { return prompt_; }  // as it will be sent
  void setPrompt(std::string prompt) { prompt_ = std::move(prompt); }
  void resetPrompt();

  // Whether the next questions are asked with their explanation (nullopt: not).
  void setExplain(std::optional<ExplainOptions> explain) { explain_ = explain; }
  const std::optional<ExplainOptions>& explain() const { return explain_; }

  // The current question as it will be sent, to be run (possibly on another thread); nullopt
  // when none is composed.
  std::optional<PendingAsk> prepare() const;
  // Files an answered question in the history; returns its index.
  std::size_t record(AskRecord answered);
  // prepare, run and record in one call (the CLI); throws std::logic_error without a question.
  const AskRecord& ask(const AnswerProgress& progress = {},
                       const std::atomic<bool>* cancel = nullptr);

  const std::vector<AskRecord>& history() const { return history_; }
  // Makes history entry `index` the current question again (canonical prompt for Reset, the
  // prompt as sent); false when it was asked on another scene than the current one.
  bool restore(std::size_t index);

 private:
  std::shared_ptr<BackendCache> backends_;
  std::uint32_t seed_;
  std::shared_ptr<const Scene> scene_;
  std::unique_ptr<QuestionBuilder> builder_;
  std::unique_ptr<FrameOverlap> overlap_;  // computed at the first pairing by overlap
  std::optional<Question> question_;
  std::string prompt_;
  std::optional<ExplainOptions> explain_;
  std::vector<AskRecord> history_;
};

// Turns a session into a benchmark: OUT/questions.jsonl (MultiSPA samples), OUT/predictions.jsonl
// (a run header naming the scenes and backends, then {"id", "text"} per answer: what `mspa score`
// reads) and the images under OUT/images, from each record's own scene. Throws InputError naming
// the file that cannot be written.
SessionExport exportAskSession(const std::vector<AskRecord>& records, const std::string& outDir);

}  // namespace mspa
