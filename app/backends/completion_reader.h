#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace mspa::backends {

// Reads an OpenAI-compatible chat completion as it arrives: server-sent events
// ("data: {chunk}" lines, "[DONE]") or, from a server that ignored "stream", one JSON body.
// Bytes from the server never throw: what cannot be read becomes `error`.
class CompletionReader {
 public:
  explicit CompletionReader(std::function<void(const std::string&)> onText = {})
      : onText_(std::move(onText)) {}

  // The next bytes of the body, in any split.
  void feed(const char* data, std::size_t size);
  // The body is complete: reads it as one JSON completion when it was not a stream.
  void finish();

  const std::string& text() const { return text_; }
  const std::string& body() const { return body_; }
  const std::string& error() const { return error_; }
  int tokens() const { return tokens_; }

 private:
  void event(const std::string& data);
  bool streamed() const { return tokens_ > 0 || body_.rfind("data:", 0) == 0; }

  std::function<void(const std::string&)> onText_;
  std::string body_, text_, error_;
  std::size_t consumed_ = 0;  // bytes of body_ already split into lines
  int tokens_ = 0;
};

}  // namespace mspa::backends
