#include "inference/chat_prompt.h"

#include <stdexcept>

#include "inference/tokenizer.h"

namespace mspa::inference {
namespace {

// Original checkpoints name their template; Hugging Face layouts carry none, and InternVL2.5/3
// (the only InternVL models converted to that layout) use internvl2_5.
ConversationTemplate templateFor(const std::string& modelDir, const ModelConfig& config) {
  const std::string name = config.templateName.empty() && config.layout == CheckpointLayout::HuggingFace ? "internvl2_5" : config.templateName;
  if (name.empty()) throw std::runtime_error(modelDir + "/config.json: no \"template\" names the chat template");
  try {
    ConversationTemplate t = conversationTemplate(name);
    if (config.systemMessage) t.systemMessage = *config.systemMessage;
    return t;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(modelDir + "/config.json: " + e.what());
  }
}

}  // namespace

ChatPrompt::ChatPrompt(const std::string& modelDir)
    : config_(readModelConfig(modelDir)), conversation_(templateFor(modelDir, config_)), tokenizer_(Tokenizer::load(modelDir)) {}

ChatPrompt::~ChatPrompt() = default;
ChatPrompt::ChatPrompt(ChatPrompt&&) noexcept = default;

std::string ChatPrompt::render(const std::string& question, const std::vector<int>& tilesPerImage, const std::string& system) const {
  return renderInternVLQuery(conversation_, system.empty() ? conversation_.systemMessage : system,
                             withImageLabels(question, static_cast<int>(tilesPerImage.size())), tilesPerImage,
                             config_.tokensPerTile());
}

std::vector<std::int64_t> ChatPrompt::encode(const std::string& prompt) const { return tokenizer_->encode(prompt); }

std::vector<std::int64_t> ChatPrompt::stopIds() const {
  const std::int64_t id = tokenizer_->specialId(conversation_.stopToken());
  return id >= 0 ? std::vector<std::int64_t>{id} : config_.eosIds;
}

std::string ChatPrompt::partialText(const std::vector<std::int64_t>& ids) const { return tokenizer_->decode(ids, true); }

std::string ChatPrompt::answerText(const std::vector<std::int64_t>& ids) const {
  return cleanAnswer(partialText(ids), conversation_.stopToken());
}

}  // namespace mspa::inference
