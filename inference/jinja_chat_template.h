#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mspa::inference {

// A transformers-layout checkpoint's own chat template, rendered exactly as
// `apply_chat_template` renders it: by Jinja2 itself (Debian's python3-jinja2) in the
// environment transformers builds (ImmutableSandboxedEnvironment with trim_blocks and
// lstrip_blocks, loop controls, the generation tag, its tojson, raise_exception and
// strftime_now), with add_generation_prompt and the tokenizer's special tokens as variables.
// One Python process per template renders every question (started on first use, ended with the
// object); no C++ imitation of Jinja could match every template.
class JinjaChatTemplate {
 public:
  // The template of DIR: chat_template.jinja, else chat_template.json's "chat_template", else
  // tokenizer_config.json's "chat_template" (the "default" one of a list). Null when there is
  // none. Throws std::runtime_error naming the file when one is unreadable.
  static std::unique_ptr<JinjaChatTemplate> find(const std::string& modelDir);
  ~JinjaChatTemplate();

  // Renders one user turn (and a system turn when `system` is not empty): the question split at
  // each "<image>" into text and image content items, in the question's order (images first
  // when it places none). Throws std::runtime_error naming the template file when Python or
  // Jinja2 is missing or the template fails (raise_exception's message included).
  std::string render(const std::string& question, int images, const std::string& system) const;
  const std::string& path() const { return path_; }

 private:
  JinjaChatTemplate(std::string path, std::string source, std::string specialTokensJson);
  void start() const;
  std::string request(const std::string& line) const;

  std::string path_, source_, specialTokensJson_;
  mutable std::mutex mutex_;
  mutable int socket_ = -1;
  mutable std::string buffer_;  // what the renderer sent past the last reply read
  mutable int pid_ = -1;
};

}  // namespace mspa::inference
