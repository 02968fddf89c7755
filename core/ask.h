#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/answer_explanation.h"
#include "core/question_builder.h"
#include "core/scorer.h"

namespace mspa {

// Text streamed so far (the whole answer, not a delta), for live display.
using AnswerProgress = std::function<void(const std::string& textSoFar)>;

struct BackendReply {
  std::string text;
  int tokens = 0;      // generated tokens, where the backend knows them
  double seconds = 0;  // wall time of the request
  bool cancelled = false;
  std::shared_ptr<const AnswerExplanation> explanation;  // when asked and the backend can
};

// Something that answers a MultiSPA question: the local engine, a served model, or the scene's
// own geometry. Backends send `question.sample.prompt` (the user may have edited it) with
// `question.images`. Errors (out of memory, dead endpoint, bad model) are thrown as
// std::runtime_error with a message fit for the user; `cancel` may be set from another thread.
class AnswerBackend {
 public:
  virtual ~AnswerBackend() = default;
  virtual std::string label() const = 0;
  // True when the answers are the truth itself (the geometry oracle), so the UI says so.
  virtual bool answersWithTruth() const { return false; }
  // True where a failed answer may come when asked again (a server busy or unreachable for a
  // moment); `bench run` retries only these. A local engine's refusal stands however often asked.
  virtual bool retriesCanHelp() const { return false; }
  virtual BackendReply answer(const Question& question, const AnswerProgress& progress,
                              const std::atomic<bool>* cancel) = 0;
  // The answer with why it was given (reply.explanation): the local engine's whole explanation, an
  // endpoint's token probabilities. The default throws std::runtime_error saying it cannot.
  virtual BackendReply answerExplained(const Question& question, const ExplainOptions& options,
                                       const AnswerProgress& progress,
                                       const std::atomic<bool>* cancel);
  // Several questions at once, where the backend can do better than one after another (the local
  // engine decodes them together); the default answers them in turn.
  virtual std::vector<BackendReply> answerBatch(const std::vector<Question>& questions,
                                                const std::atomic<bool>* cancel);
};

// Answers from the scene's geometry through the task engine: the canonical answer of the
// question, i.e. the ground truth. For demos without weights and for checking overlays.
class OracleBackend : public AnswerBackend {
 public:
  std::string label() const override { return "geometry oracle (ground truth)"; }
  bool answersWithTruth() const override { return true; }
  BackendReply answer(const Question& question, const AnswerProgress& progress,
                      const std::atomic<bool>* cancel) override;
};

// Which backend to use and how to reach it; kept in the GUI's settings and given by CLI flags.
struct BackendSettings {
  enum class Kind { Oracle, Local, OpenAI };
  Kind kind = Kind::Oracle;
  // Local engine
  std::string modelDir, loraDir, device = "cpu",
                                 dtype;  // dtype empty: the checkpoint's torch_dtype
  int tilesPerImage = 6;
  // OpenAI-compatible endpoint; the API key is read from the environment variable named here,
  // never stored.
  std::string endpoint, modelName, apiKeyVariable = "OPENAI_API_KEY";
  double timeoutSeconds = 120;
  int maxNewTokens = 64;
  int concurrency = 4;  // questions in flight at once on the endpoint (one connection each)

  // How many backends a batch of questions (the reward annotator's) is spread over: an endpoint
  // serves several requests at once; the local engine and the oracle answer one at a time.
  int parallelQuestions() const { return kind == Kind::OpenAI ? std::max(1, concurrency) : 1; }
  bool operator==(const BackendSettings& other) const;
  bool operator!=(const BackendSettings& other) const { return !(*this == other); }
};

const char* backendKindName(BackendSettings::Kind kind);
// "oracle", "local", "openai"; throws InputError for anything else.
BackendSettings::Kind parseBackendKind(const std::string& name);

// A question asked and judged under the scorer's rule.
struct AskOutcome {
  BackendReply reply;
  ParsedAnswer parsed;
  Verdict verdict;
  std::string backend;
  bool groundTruthBackend = false;
};

// Parses and judges `answer` against the question's truth as `mspa score` would; a question
// without truth is only parsed.
AskOutcome judgeAnswer(const Question& question, const BackendReply& reply);

}  // namespace mspa
