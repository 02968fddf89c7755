#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inference/chat_template.h"
#include "inference/model_config.h"

namespace mspa::inference {

class JinjaChatTemplate;
class Tokenizer;

// The exact text and ids a checkpoint reads for a question, built the way its own code builds
// them. Original layout: InternVLChatModel.chat() with config.json's conversation template and
// system_message. Transformers layout: the checkpoint's own Jinja chat template as
// apply_chat_template renders it, then each <IMG_CONTEXT> expanded as InternVLProcessor expands
// it. Needs config.json and the tokenizer (and the template), never the weights.
class ChatPrompt {
 public:
  // Throws std::runtime_error naming the file: no config, no tokenizer, an unknown template, a
  // transformers-layout checkpoint without a chat template.
  explicit ChatPrompt(const std::string& modelDir);
  ~ChatPrompt();
  ChatPrompt(ChatPrompt&&) noexcept;

  // `system` empty: config.json's system_message, else the template's (original layout); no
  // system turn (transformers layout, whose template adds its own default if it has one).
  std::string render(const std::string& question, const std::vector<int>& tilesPerImage,
                     const std::string& system = {}) const;
  std::vector<std::int64_t> encode(const std::string& prompt) const;
  // How many leading ids of the rendered prompt come before the end of the system message: the
  // sequence's first token, the system turn's header and the message (the marker closing the turn
  // is the same after every turn and is not counted). Without a system turn: what precedes the
  // user's turn.
  std::size_t systemTurnLength(const std::string& question, const std::vector<int>& tilesPerImage,
                               const std::string& system = {}) const;
  // The ids that end an answer: the template's stop token (chat()'s eos_token_id), or the
  // generation config's EOS ids for a Jinja template.
  std::vector<std::int64_t> stopIds() const;
  // The answer as the reference returns it: special tokens skipped; for chat(), also cut at the
  // stop token and stripped.
  std::string answerText(const std::vector<std::int64_t>& ids) const;
  // The answer so far while it streams (special tokens skipped, not yet cut or stripped).
  std::string partialText(const std::vector<std::int64_t>& ids) const;
  // "internlm2-chat", ... or the Jinja template's file.
  std::string templateName() const;

  const ModelConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  ModelConfig config_;
  std::optional<ConversationTemplate> conversation_;  // original layout
  std::unique_ptr<JinjaChatTemplate> jinja_;          // transformers layout
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace mspa::inference
