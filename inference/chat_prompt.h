#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inference/chat_template.h"
#include "inference/model_config.h"

namespace mspa::inference {

class Tokenizer;

// The exact text and ids a checkpoint reads for a question, built the way its own code builds
// them: config.json's conversation template and system_message, images labelled and expanded as
// InternVLChatModel.chat() does. Needs config.json and the tokenizer, never the weights.
class ChatPrompt {
 public:
  // Throws std::runtime_error naming the folder: no config, no tokenizer, unknown template.
  explicit ChatPrompt(const std::string& modelDir);
  ~ChatPrompt();
  ChatPrompt(ChatPrompt&&) noexcept;

  // `system` empty: config.json's system_message, else the template's.
  std::string render(const std::string& question, const std::vector<int>& tilesPerImage, const std::string& system = {}) const;
  std::vector<std::int64_t> encode(const std::string& prompt) const;
  // The ids that end an answer: the template's stop token (chat()'s eos_token_id).
  std::vector<std::int64_t> stopIds() const;
  // The answer as chat() returns it: special tokens skipped, cut at the stop token, stripped.
  std::string answerText(const std::vector<std::int64_t>& ids) const;
  // The answer so far while it streams (special tokens skipped, not yet cut or stripped).
  std::string partialText(const std::vector<std::int64_t>& ids) const;

  const ModelConfig& config() const { return config_; }
  const ConversationTemplate& conversation() const { return conversation_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  ModelConfig config_;
  ConversationTemplate conversation_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace mspa::inference
