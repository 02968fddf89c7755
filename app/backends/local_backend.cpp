#include "app/backends/local_backend.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "inference/chat_engine.h"

namespace mspa::backends {

LocalBackend::LocalBackend(const BackendSettings& s)
    : engine_(
          inference::ChatEngine::load({s.modelDir, s.loraDir, s.device, s.dtype, s.tilesPerImage})),
      maxNewTokens_(s.maxNewTokens) {
  char memory[64];
  std::snprintf(memory, sizeof memory, "%.2f GB", engine_->weightGigabytes());
  label_ = "local " + std::filesystem::path(s.modelDir).filename().string() +
           (s.loraDir.empty() ? "" : " + LoRA") + " on " + engine_->device() + " (" +
           engine_->dtype() + ", " + memory + ")";
}

LocalBackend::~LocalBackend() = default;

namespace {

inference::ChatRequest chatRequest(const Question& question, int maxNewTokens) {
  inference::ChatRequest request;
  request.question = question.sample.prompt;
  request.sampling.maxNewTokens = maxNewTokens;
  for (const auto& image : question.images)
    request.images.push_back({image.width, image.height, image.pixels});
  return request;
}

BackendReply backendReply(const inference::ChatReply& reply, double seconds) {
  BackendReply out;
  out.text = reply.text;
  out.tokens = static_cast<int>(reply.generation.tokens.size());
  out.cancelled = reply.generation.cancelled;
  out.seconds = seconds;
  return out;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

BackendReply LocalBackend::answer(const Question& question, const AnswerProgress& progress,
                                  const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  const auto reply = engine_->answer(chatRequest(question, maxNewTokens_), progress, cancel);
  return backendReply(reply, secondsSince(start));
}

std::vector<BackendReply> LocalBackend::answerBatch(const std::vector<Question>& questions,
                                                    const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<inference::ChatRequest> requests;
  for (const auto& q : questions) requests.push_back(chatRequest(q, maxNewTokens_));
  const auto replies = engine_->answerBatch(requests, cancel);
  std::vector<BackendReply> out;
  for (const auto& reply : replies) out.push_back(backendReply(reply, secondsSince(start)));
  return out;
}

}  // namespace mspa::backends
