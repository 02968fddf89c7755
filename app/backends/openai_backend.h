#pragma once

#include <memory>

#include "core/ask.h"

typedef void CURL;

namespace mspa::backends {

// A model served behind an OpenAI-compatible `/v1/chat/completions` (vLLM, LMDeploy, SGLang):
// the prompt's text around each <image> interleaved with the images as base64 JPEG data URLs,
// streamed back as server-sent events. The API key comes from the environment variable the
// settings name and is sent only in the Authorization header. One request at a time per object.
class OpenAIBackend : public AnswerBackend {
 public:
  explicit OpenAIBackend(const BackendSettings& settings);
  ~OpenAIBackend() override;

  std::string label() const override { return "endpoint " + modelName_ + " at " + url_; }
  bool retriesCanHelp() const override { return true; }
  BackendReply answer(const Question& question, const AnswerProgress& progress,
                      const std::atomic<bool>* cancel) override;
  // Token probabilities from the server's `logprobs` (top-k at most 20, the OpenAI API's limit);
  // attention never crosses the API, which the explanation's note says.
  BackendReply answerExplained(const Question& question, const ExplainOptions& options,
                               const AnswerProgress& progress,
                               const std::atomic<bool>* cancel) override;

  // The chat-completions URL for what the user typed: a server root, a /v1 base or the full path.
  static std::string completionsUrl(const std::string& endpoint);

 private:
  // One chat completion; with `explain`, asks for log-probabilities and returns them as the
  // reply's explanation.
  BackendReply complete(const Question& question, const ExplainOptions* explain,
                        const AnswerProgress& progress, const std::atomic<bool>* cancel);

  std::string url_, modelName_, apiKey_;
  // One handle per backend (a backend serves one request at a time), so connections are reused.
  std::unique_ptr<CURL, void (*)(CURL*)> curl_;
  double timeoutSeconds_;
  int maxNewTokens_;
};

}  // namespace mspa::backends
