// Encoding a two-image question at 14 tiles (3,584 <IMG_CONTEXT> tokens in ~50 KB of text) with a
// SentencePiece tokenizer plus InternLM2's added tokens, as the engine does before every answer.
//   bench_prompt_encode TOKENIZER_DIR [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "inference/chat_template.h"
#include "inference/tokenizer.h"

using namespace mspa::inference;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_prompt_encode TOKENIZER_DIR [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::stoi(argv[2]) : 20;
  const auto tokenizer = Tokenizer::load(argv[1]);
  const std::string question =
      "Image-1: <image>\nImage-2: <image>\nGiven two images, analyze the movements of the cameras "
      "that captured them. The movement "
      "should be relative to the first image. Note that the objects in the images are assumed to "
      "be static.\nHow far did the camera "
      "travel between the two shots?";
  const std::string prompt = renderInternVLQuery(
      conversationTemplate("internlm2-chat"), conversationTemplate("internlm2-chat").systemMessage,
      question, {7, 7}, 256);
  std::vector<double> ms;
  std::size_t ids = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ids = tokenizer->encode(prompt).size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("prompt: %zu bytes, %zu ids; encode median %.2f ms, min %.2f ms over %d runs\n",
              prompt.size(), ids, ms[ms.size() / 2], ms.front(), runs);
  return 0;
}
