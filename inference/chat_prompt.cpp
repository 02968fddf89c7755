#include "inference/chat_prompt.h"

#include <stdexcept>

#include "inference/jinja_chat_template.h"
#include "inference/tokenizer.h"

namespace mspa::inference {
namespace {

ConversationTemplate conversationFor(const std::string& modelDir, const ModelConfig& config) {
  if (config.templateName.empty())
    throw std::runtime_error(modelDir + "/config.json: no \"template\" names the chat template");
  try {
    ConversationTemplate t = conversationTemplate(config.templateName);
    if (config.systemMessage) t.systemMessage = *config.systemMessage;
    return t;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(modelDir + "/config.json: " + e.what());
  }
}

std::string imageRun(int tiles, int tokensPerTile) {
  std::string run = "<img>";
  for (int i = 0; i < tokensPerTile * tiles; ++i) run += "<IMG_CONTEXT>";
  return run + "</img>";
}

// InternVLProcessor: each image's <IMG_CONTEXT>, in order, becomes its run of image tokens.
std::string expandImageTokens(const std::string& rendered, const std::vector<int>& tilesPerImage,
                              int tokensPerTile, const std::string& templatePath) {
  const std::string token = "<IMG_CONTEXT>";
  std::string out;
  std::size_t from = 0, image = 0;
  for (auto at = rendered.find(token); at != std::string::npos; at = rendered.find(token, from)) {
    if (image >= tilesPerImage.size())
      throw std::runtime_error(templatePath +
                               ": the rendered prompt has more <IMG_CONTEXT> than images");
    out += rendered.substr(from, at - from) + imageRun(tilesPerImage[image++], tokensPerTile);
    from = at + token.size();
  }
  if (image != tilesPerImage.size()) {
    throw std::runtime_error(templatePath + ": the rendered prompt places " +
                             std::to_string(image) + " of " + std::to_string(tilesPerImage.size()) +
                             " images (does the template emit <IMG_CONTEXT> for image content?)");
  }
  return out + rendered.substr(from);
}

}  // namespace

ChatPrompt::ChatPrompt(const std::string& modelDir) : config_(readModelConfig(modelDir)) {
  if (config_.layout == CheckpointLayout::HuggingFace && config_.templateName.empty()) {
    jinja_ = JinjaChatTemplate::find(modelDir);
    if (!jinja_)
      throw std::runtime_error(
          modelDir +
          ": no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json)");
  } else {
    conversation_ = conversationFor(modelDir, config_);
  }
  tokenizer_ = Tokenizer::load(modelDir);
}

ChatPrompt::~ChatPrompt() = default;
ChatPrompt::ChatPrompt(ChatPrompt&&) noexcept = default;

std::string ChatPrompt::render(const std::string& question, const std::vector<int>& tilesPerImage,
                               const std::string& system) const {
  const int images = static_cast<int>(tilesPerImage.size());
  const std::string labelled = withImageLabels(question, images);
  if (jinja_)
    return expandImageTokens(jinja_->render(labelled, images, system), tilesPerImage,
                             config_.tokensPerTile(), jinja_->path());
  return renderInternVLQuery(*conversation_, system.empty() ? conversation_->systemMessage : system,
                             labelled, tilesPerImage, config_.tokensPerTile());
}

std::vector<std::int64_t> ChatPrompt::encode(const std::string& prompt) const {
  return tokenizer_->encode(prompt);
}

// The system message is what changes with it: where the prompt rendered with another message
// rejoins this one, counted from the end, is where it ends. Asking the template instead of
// parsing its markers works for every layout and template.
std::size_t ChatPrompt::systemTurnLength(const std::string& question,
                                         const std::vector<int>& tilesPerImage,
                                         const std::string& system) const {
  const std::vector<std::int64_t> ids = encode(render(question, tilesPerImage, system));
  const std::vector<std::int64_t> changed =
      encode(render(question, tilesPerImage, system == "-" ? "+" : "-"));
  std::size_t common = 0;
  while (common < ids.size() && common < changed.size() &&
         ids[ids.size() - 1 - common] == changed[changed.size() - 1 - common])
    ++common;
  return ids.size() - common;
}

std::vector<std::int64_t> ChatPrompt::stopIds() const {
  const std::int64_t id = conversation_ ? tokenizer_->specialId(conversation_->stopToken()) : -1;
  return id >= 0 ? std::vector<std::int64_t>{id} : config_.eosIds;
}

std::string ChatPrompt::partialText(const std::vector<std::int64_t>& ids) const {
  return tokenizer_->decode(ids, true);
}

std::string ChatPrompt::answerText(const std::vector<std::int64_t>& ids) const {
  return conversation_ ? cleanAnswer(partialText(ids), conversation_->stopToken())
                       : partialText(ids);
}

std::string ChatPrompt::templateName() const {
  return conversation_ ? conversation_->name : jinja_->path();
}

}  // namespace mspa::inference
