#include "app/backends/completion_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace mspa::backends {
namespace {

// A {token, logprob} object as servers write it; nullopt for anything else.
std::optional<std::pair<std::string, double>> tokenLogprob(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("token") || !j["token"].is_string() || !j.contains("logprob") ||
      !j["logprob"].is_number())
    return std::nullopt;
  const double logprob = j["logprob"].get<double>();
  if (!(logprob <= 0)) return std::nullopt;  // also NaN
  return std::make_pair(j["token"].get<std::string>(), logprob);
}

}  // namespace

void CompletionReader::readLogprobs(const nlohmann::json& choice) {
  if (!choice.contains("logprobs") || !choice["logprobs"].is_object()) return;
  const auto& logprobs = choice["logprobs"];
  if (!logprobs.contains("content") || !logprobs["content"].is_array()) return;
  for (const auto& entry : logprobs["content"]) {
    const auto chosen = tokenLogprob(entry);
    if (!chosen) continue;
    TokenLogprob token{chosen->first, chosen->second, {}};
    if (entry.contains("top_logprobs") && entry["top_logprobs"].is_array()) {
      for (const auto& candidate : entry["top_logprobs"])
        if (const auto top = tokenLogprob(candidate)) token.top.push_back(*top);
    }
    logprobs_.push_back(std::move(token));
  }
}

void CompletionReader::feed(const char* data, std::size_t size) {
  body_.append(data, size);
  for (auto end = body_.find('\n', consumed_); end != std::string::npos;
       end = body_.find('\n', consumed_)) {
    std::string line = body_.substr(consumed_, end - consumed_);
    consumed_ = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) == 0) event(line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5));
  }
}

void CompletionReader::event(const std::string& data) {
  if (data == "[DONE]" || !error_.empty()) return;
  const auto j = nlohmann::json::parse(data, nullptr, false);
  const bool chunk = j.is_object() && j.contains("choices") && j["choices"].is_array() &&
                     !j["choices"].empty() && j["choices"][0].is_object();
  if (!chunk) {
    error_ = "a stream event that is not a chat completion chunk: " + data.substr(0, 120);
    return;
  }
  const auto& choice = j["choices"][0];
  readLogprobs(choice);
  if (!choice.contains("delta") || !choice["delta"].is_object()) return;
  const auto& delta = choice["delta"];
  if (delta.contains("content") && delta["content"].is_string()) {
    text_ += delta["content"].get<std::string>();
    ++tokens_;
    if (onText_) onText_(text_);
  }
}

void CompletionReader::finish() {
  if (streamed() || !error_.empty()) return;
  const auto j = nlohmann::json::parse(body_, nullptr, false);
  const auto* message = j.is_object() && j.contains("choices") && j["choices"].is_array() &&
                                !j["choices"].empty() && j["choices"][0].is_object() &&
                                j["choices"][0].contains("message") &&
                                j["choices"][0]["message"].is_object()
                            ? &j["choices"][0]["message"]
                            : nullptr;
  if (!message || !message->contains("content") || !(*message)["content"].is_string()) {
    error_ = "not an OpenAI chat completion: " + body_.substr(0, 120);
    return;
  }
  text_ = (*message)["content"].get<std::string>();
  readLogprobs(j["choices"][0]);
  const auto usage =
      j.contains("usage") && j["usage"].is_object() ? j["usage"] : nlohmann::json::object();
  if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer()) {
    tokens_ = static_cast<int>(
        std::clamp<std::int64_t>(usage["completion_tokens"].get<std::int64_t>(), 0, 1 << 30));
  }
  if (onText_) onText_(text_);
}

}  // namespace mspa::backends
