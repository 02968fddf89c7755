#pragma once

#include <memory>

#include "core/ask.h"

namespace mspa::inference {
class ChatEngine;
}

namespace mspa::backends {

// The InternVL engine in this process. Loading (seconds to minutes for 8B weights) happens in
// the constructor, so callers construct it off the GUI thread.
class LocalBackend : public AnswerBackend {
 public:
  explicit LocalBackend(const BackendSettings& settings);
  ~LocalBackend() override;

  std::string label() const override { return label_; }
  BackendReply answer(const Question& question, const AnswerProgress& progress,
                      const std::atomic<bool>* cancel) override;
  std::vector<BackendReply> answerBatch(const std::vector<Question>& questions,
                                        const std::atomic<bool>* cancel) override;
  // With each token's probability and candidates and, from a pass of its own after the answer,
  // where each token looked in each image (inference::ChatEngine::attention).
  BackendReply answerExplained(const Question& question, const ExplainOptions& options,
                               const AnswerProgress& progress,
                               const std::atomic<bool>* cancel) override;

 private:
  std::unique_ptr<inference::ChatEngine> engine_;
  int maxNewTokens_;
  int tilesPerImage_;
  std::string label_;
};

}  // namespace mspa::backends
