#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inference/chat_prompt.h"
#include "inference/generation.h"
#include "inference/image_preprocess.h"
#include "inference/model_config.h"

namespace mspa::inference {

class InternVLModel;

struct ChatEngineOptions {
  std::string modelDir, loraDir;
  std::string device = "cpu", dtype;  // dtype empty: the checkpoint's own (defaultDtype)
  int tilesPerImage = 6;              // as Multi-SpatialMLLM uses
};

struct ChatRequest {
  std::string question;  // user text; "Image-k: <image>" labels are added unless it places <image>
  std::vector<RgbBuffer> images;
  std::string system;        // empty: the template's default
  SamplingOptions sampling;  // stop ids are the model's own plus <|im_end|>
};

struct ChatReply {
  std::string text;  // cleaned as chat() cleans it
  GenerationResult generation;
};

// Where an answer looked: each generated token's attention, from the position that produced it,
// over the prompt and the answer before it (averaged over heads and the chosen layers).
struct AnswerAttention {
  std::int64_t length = 0;     // positions: the prompt, then the answer but its last token
  std::vector<float> weights;  // [answer tokens, length], each row summing to 1
  struct Image {
    std::int64_t begin = 0;  // its first image-token position
    int tiles = 0;           // tokensPerTile image tokens each
  };
  std::vector<Image> images;
  int tokensPerTile = 256;
  // Positions [0, systemEnd): the system prompt (ChatPrompt::systemTurnLength), with the
  // sequence's first token, to which most models attend heavily whatever it is.
  std::int64_t systemEnd = 0;

  const float* row(std::size_t token) const { return weights.data() + token * length; }
  // The share of answer token `token`'s attention that went to each image.
  std::vector<double> imageShares(std::size_t token) const;
  // The share that went to the system turn.
  double systemShare(std::size_t token) const;
};

// A loaded model with its tokenizer, answering chat questions about images: tiling, the chat
// template, generation and incremental decoding. What `ask` and the GUI's local backend use.
class ChatEngine {
 public:
  // Throws std::runtime_error naming the folder or file and the problem.
  static std::unique_ptr<ChatEngine> load(const ChatEngineOptions& options);
  ~ChatEngine();

  // `onText` sees the whole answer so far after each token (multi-byte characters kept whole).
  ChatReply answer(const ChatRequest& request,
                   const std::function<void(const std::string&)>& onText = {},
                   const std::atomic<bool>* cancel = nullptr);

  // Several questions decoded together (generateBatch) with the first request's sampling; each
  // answer is what `answer` gives it alone under greedy decoding.
  std::vector<ChatReply> answerBatch(const std::vector<ChatRequest>& requests,
                                     const std::atomic<bool>* cancel = nullptr);

  // The attention behind `reply` (which `answer` gave for `request`), over the decoder layers
  // firstLayer..lastLayer; a pass of its own after the answer.
  AnswerAttention attention(const ChatRequest& request, const ChatReply& reply, int firstLayer,
                            int lastLayer);

  const ModelConfig& config() const;
  // One token as text (a piece of a word, a special token's name).
  std::string tokenText(std::int64_t id) const;
  std::string device() const;
  std::string dtype() const;
  double weightGigabytes() const;

 private:
  ChatEngine(const ChatEngineOptions& options, ChatPrompt prompt);
  // The request's images as tiles (appended to `tiles`); the tile count of each image.
  std::vector<int> tile(const ChatRequest& request, std::vector<std::uint8_t>& tiles) const;
  std::vector<std::int64_t> promptIds(const ChatRequest& request,
                                      const std::vector<int>& tilesPerImage) const;
  SamplingOptions sampling(const ChatRequest& request) const;  // with the model's stop ids
  ChatEngineOptions options_;
  ChatPrompt prompt_;
  std::unique_ptr<InternVLModel> model_;
};

}  // namespace mspa::inference
