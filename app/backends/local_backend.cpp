#include "app/backends/local_backend.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "inference/chat_engine.h"

namespace mspa::backends {

LocalBackend::LocalBackend(const BackendSettings& s)
    : engine_(inference::ChatEngine::load({s.modelDir, s.loraDir, s.device, s.dtype, s.tilesPerImage})), maxNewTokens_(s.maxNewTokens) {
  char memory[64];
  std::snprintf(memory, sizeof memory, "%.2f GB", engine_->weightGigabytes());
  label_ = "local " + std::filesystem::path(s.modelDir).filename().string() +
           (s.loraDir.empty() ? "" : " + LoRA") + " on " + engine_->device() + " (" +
           engine_->dtype() + ", " + memory + ")";
}

LocalBackend::~LocalBackend() = default;

BackendReply LocalBackend::answer(const Question& question, const AnswerProgress& progress, const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  inference::ChatRequest request;
  request.question = question.sample.prompt;
  request.sampling.maxNewTokens = maxNewTokens_;
  for (const auto& image : question.images) request.images.push_back({image.width, image.height, image.pixels});
  const auto reply = engine_->answer(request, progress, cancel);
  BackendReply out;
  out.text = reply.text;
  out.tokens = static_cast<int>(reply.generation.tokens.size());
  out.cancelled = reply.generation.cancelled;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace mspa::backends
