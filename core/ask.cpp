#include "core/ask.h"

#include <chrono>
#include <tuple>

#include "core/input_error.h"

namespace mspa {

bool BackendSettings::operator==(const BackendSettings& o) const {
  const auto fields = [](const BackendSettings& s) {
    return std::tie(s.kind, s.modelDir, s.loraDir, s.device, s.dtype, s.tilesPerImage, s.endpoint,
                    s.modelName, s.apiKeyVariable, s.timeoutSeconds, s.maxNewTokens, s.concurrency);
  };
  return fields(*this) == fields(o);
}

std::vector<BackendReply> AnswerBackend::answerBatch(const std::vector<Question>& questions,
                                                     const std::atomic<bool>* cancel) {
  std::vector<BackendReply> replies;
  for (const auto& q : questions) replies.push_back(answer(q, {}, cancel));
  return replies;
}

BackendReply AnswerBackend::answerExplained(const Question&, const ExplainOptions&,
                                            const AnswerProgress&, const std::atomic<bool>*) {
  throw std::runtime_error(label() +
                           " cannot explain its answers: attention and token probabilities come "
                           "from the local engine (choose Backend > local model)");
}

BackendReply OracleBackend::answer(const Question& question, const AnswerProgress& progress,
                                   const std::atomic<bool>*) {
  if (!question.hasTruth()) {
    throw std::runtime_error(
        "the geometry oracle answers from the truth, and this question has none "
        "(no track follows the point): choose a model");
  }
  const auto start = std::chrono::steady_clock::now();
  BackendReply reply;
  reply.text = question.sample.answer;
  if (progress) progress(reply.text);
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return reply;
}

const char* backendKindName(BackendSettings::Kind kind) {
  switch (kind) {
    case BackendSettings::Kind::Oracle:
      return "oracle";
    case BackendSettings::Kind::Local:
      return "local";
    case BackendSettings::Kind::OpenAI:
      return "openai";
  }
  return "?";
}

BackendSettings::Kind parseBackendKind(const std::string& name) {
  for (auto kind : {BackendSettings::Kind::Oracle, BackendSettings::Kind::Local,
                    BackendSettings::Kind::OpenAI}) {
    if (name == backendKindName(kind)) return kind;
  }
  throw InputError("backend '" + name + "'", "unknown (oracle, local, openai)");
}

AskOutcome judgeAnswer(const Question& question, const BackendReply& reply) {
  AskOutcome outcome;
  outcome.reply = reply;
  if (!question.hasTruth()) {  // read, not judged: movement answers need nothing from the question
    outcome.parsed = parseAnswer(reply.text, *question.task);
    outcome.verdict.parsed = outcome.parsed.ok;
    return outcome;
  }
  std::string error;
  const auto truth = truthOf(question.sample, error);
  if (!truth) throw std::runtime_error("the question cannot be scored: " + error);
  outcome.parsed = parseAnswer(reply.text, *truth->task, truth->parse);
  outcome.verdict = judge(*truth, outcome.parsed);
  return outcome;
}

}  // namespace mspa
