#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
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

TEST_CASE(
    "Prompts equal InternVL's get_prompt for every template, system message and image layout") {
  const auto ref = reference();
  const int tokensPerTile = ref["num_image_token"];
  int prompts = 0, answers = 0;
  for (const auto& c : ref["cases"]) {
    const ConversationTemplate& t = conversationTemplate(c["template"]);
    if (c.contains("prompt")) {
      INFO(c["template"] << " / " << c["case"] << " / system " << c["system"]);
      const std::string system =
          c["system"].is_null() ? t.systemMessage : c["system"].get<std::string>();
      CHECK(renderInternVLQuery(t, system, c["question"], c["tiles"].get<std::vector<int>>(),
                                tokensPerTile) == c["prompt"]);
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
  CHECK(v2 ==
        "<|im_start|>system\nS<|im_end|><|im_start|>user\nQ<|im_end|><|im_start|>assistant\n");
  const std::string v25 =
      renderInternVLQuery(conversationTemplate("internvl2_5"), "S", "Q", {}, 256);
  CHECK(v25 ==
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  CHECK_THROWS_WITH(conversationTemplate("vicuna_v1.1"),
                    Contains("unknown chat template 'vicuna_v1.1'") &&
                        Contains("internlm2-chat, Hermes-2, phi3-chat, internvl2_5"));
  CHECK_THROWS_WITH(renderInternVLQuery(internlm2, "S", "<image> <image>", {1}, 4),
                    Contains("more <image>"));
  CHECK_THROWS_WITH(renderInternVLQuery(internlm2, "S", "<image>", {1, 1}, 4),
                    Contains("fewer <image>"));
  CHECK(withImageLabels("Which?", 2) == "Image-1: <image>\nImage-2: <image>\nWhich?");
  CHECK(withImageLabels("Which?", 1) == "Which?");  // chat() itself puts "<image>\n" in front
}

TEST_CASE(
    "A checkpoint's prompt follows its config.json: template, system_message, tokens per tile") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  std::ifstream in(std::string(MSPA_TEST_DATA_DIR) +
                   "/internvl/tiny-internlm2/original/config.json");
  auto config = nlohmann::json::parse(in);
  config["template"] = "Hermes-2";
  config["system_message"] = "Answer with a number.";
  mspa::test::writeFile(dir.file("config.json"), config.dump());
  const ChatPrompt prompt(dir.path().string());
  const std::string text = prompt.render("How far?", {2});
  CHECK(
      text.rfind(
          "<|im_start|>system\nAnswer with a number.<|im_end|><|im_start|>user\n<img><IMG_CONTEXT>",
          0) == 0);
  CHECK(text.find("</img>\nHow far?<|im_end|><|im_start|>assistant\n") != std::string::npos);
  std::size_t contexts = 0;
  for (auto at = text.find("<IMG_CONTEXT>"); at != std::string::npos;
       at = text.find("<IMG_CONTEXT>", at + 1))
    ++contexts;
  CHECK(contexts == 2 * 256);
  CHECK(prompt.stopIds() == std::vector<std::int64_t>{501});
  // The system part, as conversation.py renders it: BOS, <|im_start|>system\n and the message;
  // the <|im_end|> that closes it (501, the same after every turn) follows.
  for (const std::string system : {"", "A much longer system message than the default one."}) {
    const auto prompted = prompt.encode(prompt.render("How far?", {2}, system));
    const std::size_t turn = prompt.systemTurnLength("How far?", {2}, system);
    REQUIRE(turn > 2);
    CHECK(prompted[0] == 1);  // <s>
    CHECK(prompted[1] == 500);
    CHECK(std::count(prompted.begin(), prompted.begin() + turn, 501) == 0);
    CHECK(prompted[turn] == 501);
    CHECK(prompted[turn + 1] == 500);  // the user's turn
  }
  CHECK(prompt.systemTurnLength("How far?", {2}, "A much longer system message than the default.") >
        prompt.systemTurnLength("How far?", {2}));
  // chat(): special tokens skipped, cut at the stop token, stripped.
  const auto ids = prompt.encode("  The camera shifted `left`.");
  std::vector<std::int64_t> answer(ids.begin() + 1, ids.end());  // without BOS
  answer.insert(answer.end(), {501, 500});
  CHECK(prompt.answerText(answer) == "The camera shifted `left`.");
  CHECK(prompt.render("x", {}, "Given system.")
            .rfind("<|im_start|>system\nGiven system.<|im_end|>", 0) == 0);

  config["template"] = "chatml-nonsense";
  mspa::test::writeFile(dir.file("config.json"), config.dump());
  CHECK_THROWS_WITH(ChatPrompt(dir.path().string()),
                    Contains("config.json: unknown chat template 'chatml-nonsense'"));
}

TEST_CASE("Encoding a two-image 14-tile prompt gives one id per image token") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  const auto tokenizer = Tokenizer::load(dir.path().string());
  const std::string prompt = renderInternVLQuery(
      conversationTemplate("internlm2-chat"), "S",
      "Image-1: <image>\nImage-2: <image>\nHow far did the camera move?", {7, 7}, 256);
  const auto ids = tokenizer->encode(prompt);
  CHECK(std::count(ids.begin(), ids.end(), 509) == 14 * 256);
  CHECK(std::count(ids.begin(), ids.end(), 510) == 2);
  CHECK(std::count(ids.begin(), ids.end(), 511) == 2);
  CHECK(tokenizer->decode(ids) == prompt);
}

namespace {

// A transformers-layout checkpoint folder: the HF fixture's config, a tokenizer, and `files`.
void writeHfCheckpoint(const mspa::test::TempDir& dir,
                       const std::map<std::string, std::string>& files) {
  mspa::test::writeSentencePieceTokenizer(dir.path());
  std::filesystem::copy_file(
      std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-internlm2/hf/config.json",
      dir.file("config.json"), std::filesystem::copy_options::overwrite_existing);
  for (const auto& [name, text] : files) mspa::test::writeFile(dir.file(name), text);
}

// The ChatML template with content lists that InternVL's -hf checkpoints use: image items
// become <IMG_CONTEXT> for the processor to expand.
const char* kChatMlTemplate =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}{% if "
    "message['content'] is string %}"
    "{{ message['content'] }}{% else %}{% for content in message['content'] %}{% if "
    "content['type'] == 'image' %}"
    "{{ '<IMG_CONTEXT>\\n' }}{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif "
    "%}{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' "
    "}}{% endif %}";

}  // namespace

TEST_CASE(
    "A transformers-layout checkpoint's own Jinja template renders as apply_chat_template does, "
    "images expanded") {
  mspa::test::TempDir dir;
  writeHfCheckpoint(dir, {{"chat_template.jinja", kChatMlTemplate}});
  const ChatPrompt prompt(dir.path().string());
  CHECK_THAT(prompt.templateName(), Contains("chat_template.jinja"));
  const auto run = [](int tokens) {
    std::string s = "<img>";
    for (int i = 0; i < tokens; ++i) s += "<IMG_CONTEXT>";
    return s + "</img>";
  };
  CHECK(prompt.render("Image-1: <image>\nImage-2: <image>\nWhich?", {1, 2}, "Be brief.") ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nImage-1: " + run(256) +
            "\n\nImage-2: " + run(512) + "\n\nWhich?<|im_end|>\n<|im_start|>assistant\n");
  // A question that places no image gets the images first, as the processor's examples send them.
  CHECK(prompt.render("What?", {}) == "<|im_start|>user\nWhat?<|im_end|>\n<|im_start|>assistant\n");
  // Its system part ends before the <|im_end|> that closes it; without a system message only the
  // sequence's first token precedes the user's turn.
  const auto withSystem = prompt.encode(prompt.render("What?", {}, "Be brief."));
  const std::size_t turn = prompt.systemTurnLength("What?", {}, "Be brief.");
  REQUIRE(turn > 0);
  CHECK(withSystem[turn] == 501);
  CHECK(std::count(withSystem.begin(), withSystem.begin() + turn, 501) == 0);
  CHECK(prompt.systemTurnLength("What?", {}) == 1);
  // No chat() cleaning: the text as decoded with special tokens skipped.
  const auto ids = prompt.encode(" A B ");
  CHECK(prompt.answerText({ids.begin() + 1, ids.end()}) == " A B ");
}

TEST_CASE(
    "Jinja templates: trim_blocks, lstrip_blocks, special tokens, tokenizer_config and "
    "chat_template.json, raise_exception") {
  mspa::test::TempDir dir;
  const std::string blocks =
      "{{ bos_token }}\n{% for message in messages %}\n    {% if loop.first %}[{{ message['role'] "
      "| upper }}]{% endif %}\n"
      "    {{ message['content'][0]['text'] | trim }}\n{% endfor %}\n";
  writeHfCheckpoint(dir, {{"tokenizer_config.json",
                           nlohmann::json{{"bos_token", "<s>"},
                                          {"chat_template",
                                           {{{"name", "tool_use"}, {"template", "x"}},
                                            {{"name", "default"}, {"template", blocks}}}}}
                               .dump()}});
  CHECK(ChatPrompt(dir.path().string()).render("  Q ", {}, "S") == "<s>\n[SYSTEM]    S\n    Q\n");
  mspa::test::writeFile(
      dir.file("chat_template.json"),
      nlohmann::json{{"chat_template", "{{ raise_exception('only one image per turn') }}"}}.dump());
  CHECK_THROWS_WITH(ChatPrompt(dir.path().string()).render("Q", {1}),
                    Contains("chat_template.json: TemplateError: only one image per turn"));
  mspa::test::writeFile(dir.file("chat_template.json"),
                        nlohmann::json{{"chat_template", "{% for %}"}}.dump());
  CHECK_THROWS_WITH(ChatPrompt(dir.path().string()).render("Q", {}),
                    Contains("TemplateSyntaxError"));
  mspa::test::writeFile(
      dir.file("chat_template.json"),
      nlohmann::json{{"chat_template", "{{ messages[0]['content'][1]['text'] }}"}}.dump());
  CHECK_THROWS_WITH(ChatPrompt(dir.path().string()).render("Q", {1}),
                    Contains("places 0 of 1 images"));
}

TEST_CASE("Without Python's Jinja2 a Jinja template is refused with what to install") {
  mspa::test::TempDir dir;
  writeHfCheckpoint(dir, {{"chat_template.jinja", kChatMlTemplate}});
  for (const char* python : {"/nonexistent/python3", "/bin/false"}) {
    setenv("MSPA_PYTHON", python, 1);  // the user's choice is the only one tried
    CHECK_THROWS_WITH(ChatPrompt(dir.path().string()).render("Q", {}),
                      Contains("chat_template.jinja: rendering the checkpoint's chat template "
                               "needs Python 3 with Jinja2 "
                               "(apt install python3-jinja2)") &&
                          Contains(python));
  }
  unsetenv("MSPA_PYTHON");
  CHECK_NOTHROW(ChatPrompt(dir.path().string()).render("Q", {}));
}
