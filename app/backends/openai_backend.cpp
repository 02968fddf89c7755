#include "app/backends/openai_backend.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "app/backends/completion_reader.h"
#include "core/image.h"

namespace mspa::backends {
namespace {

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (bytes[i] << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                            (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += digits[(n >> 18) & 63];
    out += digits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? digits[n & 63] : '=';
  }
  return out;
}

// An image as a data URL: the file's own bytes when the question has them (no re-encoding),
// else the decoded image as JPEG.
std::string imageUrl(const Question& q, std::size_t i) {
  if (i < q.images.size()) return "data:image/jpeg;base64," + base64(encodeJpeg(q.images[i]));
  std::ifstream in(q.imageFiles.at(i), std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.empty()) throw std::runtime_error(q.imageFiles[i] + ": cannot read the image");
  const std::string ext = std::filesystem::path(q.imageFiles[i]).extension().string();
  return std::string("data:image/") + (ext == ".png" ? "png" : "jpeg") + ";base64," + base64(bytes);
}

// The user message: text pieces and images in the order the prompt places its <image> markers.
nlohmann::json messageContent(const Question& q) {
  nlohmann::json content = nlohmann::json::array();
  const std::string& prompt = q.sample.prompt;
  std::size_t from = 0, image = 0;
  const auto text = [&](std::string piece) {
    if (!piece.empty()) content.push_back({{"type", "text"}, {"text", std::move(piece)}});
  };
  const std::size_t images = std::max(q.images.size(), q.imageFiles.size());
  for (auto at = prompt.find("<image>"); at != std::string::npos && image < images;
       at = prompt.find("<image>", from)) {
    text(prompt.substr(from, at - from));
    content.push_back({{"type", "image_url"}, {"image_url", {{"url", imageUrl(q, image++)}}}});
    from = at + 7;
  }
  text(prompt.substr(from));
  return content;
}

// The OpenAI API's most runner-ups per token.
constexpr int kMaxTopLogprobs = 20;

AnswerExplanation fromLogprobs(const std::vector<TokenLogprob>& logprobs, const std::string& url) {
  AnswerExplanation e;
  for (const TokenLogprob& t : logprobs) {
    AnswerExplanation::Token token;
    token.chosen = {t.token, -1, std::exp(t.logprob)};
    for (const auto& [text, logprob] : t.top) token.top.push_back({text, -1, std::exp(logprob)});
    std::stable_sort(token.top.begin(), token.top.end(),
                     [](const auto& a, const auto& b) { return a.prob > b.prob; });
    e.tokens.push_back(std::move(token));
  }
  e.note = logprobs.empty() ? url +
                                  " returned no token probabilities (logprobs); its server may "
                                  "need them enabled (vLLM: --max-logprobs)"
                            : "an endpoint returns no attention: token probabilities only";
  return e;
}

// What curl's callbacks see: the reader and the cancel flag.
struct Transfer {
  CompletionReader reader;
  const std::atomic<bool>* cancel = nullptr;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* transfer) {
  static_cast<Transfer*>(transfer)->reader.feed(data, size * count);
  return size * count;
}

int onProgress(void* transfer, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<Transfer*>(transfer)->cancel;
  return cancel && cancel->load() ? 1 : 0;
}

}  // namespace

std::string OpenAIBackend::completionsUrl(const std::string& endpoint) {
  std::string url = endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto endsWith = [&](const std::string& tail) {
    return url.size() >= tail.size() &&
           url.compare(url.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (endsWith("/chat/completions")) return url;
  return url + (endsWith("/v1") ? "/chat/completions" : "/v1/chat/completions");
}

OpenAIBackend::OpenAIBackend(const BackendSettings& s)
    : url_(completionsUrl(s.endpoint)),
      modelName_(s.modelName),
      curl_(nullptr, curl_easy_cleanup),
      timeoutSeconds_(s.timeoutSeconds),
      maxNewTokens_(s.maxNewTokens) {
  if (s.endpoint.empty()) throw std::runtime_error("no endpoint URL given");
  if (s.modelName.empty()) throw std::runtime_error("no model name given for " + url_);
  if (const char* key = std::getenv(s.apiKeyVariable.c_str())) apiKey_ = key;
  static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)initialised;
  curl_.reset(curl_easy_init());
}

OpenAIBackend::~OpenAIBackend() = default;

BackendReply OpenAIBackend::answer(const Question& question, const AnswerProgress& progress,
                                   const std::atomic<bool>* cancel) {
  return complete(question, nullptr, progress, cancel);
}

BackendReply OpenAIBackend::answerExplained(const Question& question, const ExplainOptions& options,
                                            const AnswerProgress& progress,
                                            const std::atomic<bool>* cancel) {
  return complete(question, &options, progress, cancel);
}

BackendReply OpenAIBackend::complete(const Question& question, const ExplainOptions* explain,
                                     const AnswerProgress& progress,
                                     const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json body = {{"model", modelName_},
                         {"messages", {{{"role", "user"}, {"content", messageContent(question)}}}},
                         {"max_tokens", maxNewTokens_},
                         {"temperature", 0},
                         {"stream", true}};
  if (explain) {
    body["logprobs"] = true;
    body["top_logprobs"] = std::clamp(explain->topK, 1, kMaxTopLogprobs);
  }
  const std::string payload = body.dump();
  CURL* curl = curl_.get();
  curl_easy_reset(curl);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!apiKey_.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + apiKey_).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headerList(headers, curl_slist_free_all);
  Transfer transfer{CompletionReader(progress), cancel};
  const CompletionReader& reader = transfer.reader;
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeoutSeconds_ * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(timeoutSeconds_, 10.0) * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode code = curl_easy_perform(curl);
  BackendReply reply;
  reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    reply.cancelled = true;
    reply.text = reader.text();
    return reply;
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    throw std::runtime_error(url_ + ": no complete answer within " +
                             std::to_string(static_cast<int>(timeoutSeconds_)) + " s");
  }
  if (code != CURLE_OK) throw std::runtime_error(url_ + ": " + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 400)
    throw std::runtime_error(url_ + ": HTTP " + std::to_string(status) + ": " +
                             reader.body().substr(0, 200));
  transfer.reader.finish();
  if (!reader.error().empty()) throw std::runtime_error(url_ + ": " + reader.error());
  reply.text = reader.text();
  reply.tokens = reader.tokens();
  if (explain)
    reply.explanation = std::make_shared<AnswerExplanation>(fromLogprobs(reader.logprobs(), url_));
  return reply;
}

}  // namespace mspa::backends
