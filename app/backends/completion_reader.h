#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace mspa::backends {

// One answer token's log-probability and its runners-up, as a server returns them when asked for
// `logprobs` (choices[0].logprobs.content[i]: token, logprob, top_logprobs).
struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<std::pair<std::string, double>> top;  // as the server ordered them
};

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
  // The answer's tokens with their log-probabilities, when the server sent them; entries that are
  // not {token: string, logprob: number ≤ 0} are left out.
  const std::vector<TokenLogprob>& logprobs() const { return logprobs_; }

 private:
  void event(const std::string& data);
  void readLogprobs(const nlohmann::json& choice);
  bool streamed() const { return tokens_ > 0 || body_.rfind("data:", 0) == 0; }

  std::function<void(const std::string&)> onText_;
  std::string body_, text_, error_;
  std::size_t consumed_ = 0;  // bytes of body_ already split into lines
  int tokens_ = 0;
  std::vector<TokenLogprob> logprobs_;
};

}  // namespace mspa::backends
