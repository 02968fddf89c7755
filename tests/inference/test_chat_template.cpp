#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/chat_prompt.h"
#include "inference/chat_template.h"
#include "inference/tokenizer.h"
#include "tests/inference/tokenizer_fixture.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;

namespace {

// Rendered by InternVL's own conversation.py as InternVLChatModel.chat() renders a question
// (tests/inference/internvl_prompts/render_reference.py).
nlohmann::json reference() {
  std::ifstream in(MSPA_PROMPT_REFERENCE);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("Prompts equal InternVL's get_prompt for every template, system message and image layout") {
  const auto ref = reference();
  const int tokensPerTile = ref["num_image_token"];
  int prompts = 0, answers = 0;
  for (const auto& c : ref["cases"]) {
    const ConversationTemplate& t = conversationTemplate(c["template"]);
    if (c.contains("prompt")) {
      INFO(c["template"] << " / " << c["case"] << " / system " << c["system"]);
      const std::string system = c["system"].is_null() ? t.systemMessage : c["system"].get<std::string>();
      CHECK(renderInternVLQuery(t, system, c["question"], c["tiles"].get<std::vector<int>>(), tokensPerTile) == c["prompt"]);
      ++prompts;
    } else {
      INFO(c["template"] << " / " << c["decoded"]);
      CHECK(t.stopToken() == c["stop"]);
      CHECK(cleanAnswer(c["decoded"], t.stopToken()) == c["cleaned"]);
      ++answers;
    }
  }
  CHECK(prompts == 4 * 2 * 4);
  CHECK(answers == 4 * 3);
}

TEST_CASE("InternVL2's prompt has no newline after <|im_end|>; InternVL2.5's does") {
  const auto& internlm2 = conversationTemplate("internlm2-chat");
  const std::string v2 = renderInternVLQuery(internlm2, "S", "Q", {}, 256);
  CHECK(v2 == "<|im_start|>system\nS<|im_end|><|im_start|>user\nQ<|im_end|><|im_start|>assistant\n");
  const std::string v25 = renderInternVLQuery(conversationTemplate("internvl2_5"), "S", "Q", {}, 256);
  CHECK(v25 == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  CHECK_THROWS_WITH(conversationTemplate("vicuna_v1.1"),
                    Contains("unknown chat template 'vicuna_v1.1'") && Contains("internlm2-chat, Hermes-2, phi3-chat, internvl2_5"));
  CHECK_THROWS_WITH(renderInternVLQuery(internlm2, "S", "<image> <image>", {1}, 4), Contains("more <image>"));
  CHECK_THROWS_WITH(renderInternVLQuery(internlm2, "S", "<image>", {1, 1}, 4), Contains("fewer <image>"));
  CHECK(withImageLabels("Which?", 2) == "Image-1: <image>\nImage-2: <image>\nWhich?");
  CHECK(withImageLabels("Which?", 1) == "Which?");  // chat() itself puts "<image>\n" in front
}

TEST_CASE("A checkpoint's prompt follows its config.json: template, system_message, tokens per tile") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  std::ifstream in(std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-internlm2/original/config.json");
  auto config = nlohmann::json::parse(in);
  config["template"] = "Hermes-2";
  config["system_message"] = "Answer with a number.";
  mspa::test::writeFile(dir.file("config.json"), config.dump());
  const ChatPrompt prompt(dir.path().string());
  const std::string text = prompt.render("How far?", {2});
  CHECK(text.rfind("<|im_start|>system\nAnswer with a number.<|im_end|><|im_start|>user\n<img><IMG_CONTEXT>", 0) == 0);
  CHECK(text.find("</img>\nHow far?<|im_end|><|im_start|>assistant\n") != std::string::npos);
  std::size_t contexts = 0;
  for (auto at = text.find("<IMG_CONTEXT>"); at != std::string::npos; at = text.find("<IMG_CONTEXT>", at + 1)) ++contexts;
  CHECK(contexts == 2 * 256);
  CHECK(prompt.stopIds() == std::vector<std::int64_t>{501});
  // chat(): special tokens skipped, cut at the stop token, stripped.
  const auto ids = prompt.encode("  The camera shifted `left`.");
  std::vector<std::int64_t> answer(ids.begin() + 1, ids.end());  // without BOS
  answer.insert(answer.end(), {501, 500});
  CHECK(prompt.answerText(answer) == "The camera shifted `left`.");
  CHECK(prompt.render("x", {}, "Given system.").rfind("<|im_start|>system\nGiven system.<|im_end|>", 0) == 0);

  config["template"] = "chatml-nonsense";
  mspa::test::writeFile(dir.file("config.json"), config.dump());
  CHECK_THROWS_WITH(ChatPrompt(dir.path().string()), Contains("config.json: unknown chat template 'chatml-nonsense'"));
}

TEST_CASE("Encoding a two-image 14-tile prompt gives one id per image token") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  const auto tokenizer = Tokenizer::load(dir.path().string());
  const std::string prompt = renderInternVLQuery(conversationTemplate("internlm2-chat"), "S",
                                                 "Image-1: <image>\nImage-2: <image>\nHow far did the camera move?", {7, 7}, 256);
  const auto ids = tokenizer->encode(prompt);
  CHECK(std::count(ids.begin(), ids.end(), 509) == 14 * 256);
  CHECK(std::count(ids.begin(), ids.end(), 510) == 2);
  CHECK(std::count(ids.begin(), ids.end(), 511) == 2);
  CHECK(tokenizer->decode(ids) == prompt);
}
