#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/tokenizer.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;

namespace {

nlohmann::json reference() {
  std::ifstream in(MSPA_QWEN_REFERENCE);
  return nlohmann::json::parse(in);
}

// A model folder holding Qwen3's tokenizer files, as a user's checkpoint folder would.
const Tokenizer& qwenTokenizer() {
  static const auto tokenizer = Tokenizer::load(MSPA_QWEN_TOKENIZER_DIR);
  return *tokenizer;
}

}  // namespace

TEST_CASE("Byte-level BPE ids equal @lenml/tokenizers over a varied corpus") {
  const auto samples = reference()["samples"];
  REQUIRE(samples.size() >= 30);
  for (const auto& sample : samples) {
    const auto text = sample["text"].get<std::string>();
    INFO(text);
    CHECK(qwenTokenizer().encode(text) == sample["ids"].get<std::vector<std::int64_t>>());
  }
}

TEST_CASE("Byte-level BPE decodes the reference ids back to the text") {
  for (const auto& sample : reference()["samples"]) {
    const auto text = sample["text"].get<std::string>();
    INFO(text);
    const auto decoded = qwenTokenizer().decode(sample["ids"].get<std::vector<std::int64_t>>());
    if (text.rfind("combining:", 0) == 0) {
      CHECK_THAT(decoded, Contains("\u00e9 \u00e4 \u00f1"));  // NFC composed the pairs
    } else {
      CHECK(decoded == text);
    }
  }
}

TEST_CASE("Byte-level BPE tokenizer knows the ChatML tokens and adds no BOS") {
  const auto& tokenizer = qwenTokenizer();
  CHECK(tokenizer.specialId("<|im_start|>") == 151644);
  CHECK(tokenizer.specialId("<|im_end|>") == 151645);
  CHECK(tokenizer.specialId("<|endoftext|>") == 151643);
  const auto ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>");
  REQUIRE(ids.size() >= 4);
  CHECK(ids.front() == 151644);
  CHECK(ids.back() == 151645);
  CHECK(tokenizer.encode("").empty());
}

TEST_CASE("Broken tokenizer.json files are reported with their path") {
  mspa::test::TempDir dir;
  const auto file = dir.file("tokenizer.json");
  const auto expectError = [&](const std::string& content, const std::string& problem) {
    mspa::test::writeFile(file, content);
    INFO(content.substr(0, 80));
    CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()), Contains(file) && Contains(problem));
  };
  expectError("{\"model\": {\"type\": \"BPE\", \"vocab\": {", "invalid JSON");
  expectError(R"({"model": {"type": "WordPiece", "vocab": {}}})", "not BPE");
  expectError(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})", "byte 0");
  // A full byte vocabulary with a pre-tokenizer this engine does not implement.
  nlohmann::json vocab = nlohmann::json::object();
  std::ifstream in(std::string(MSPA_QWEN_TOKENIZER_DIR) + "/tokenizer.json");
  auto qwen = nlohmann::json::parse(in);
  qwen["pre_tokenizer"] = {{"type", "Whitespace"}};
  expectError(qwen.dump(), "unsupported pre_tokenizer");
}
