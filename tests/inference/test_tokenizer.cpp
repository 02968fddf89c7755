#include <catch2/catch.hpp>

#include <sstream>

#include "inference/tokenizer.h"
#include "tests/inference/tokenizer_fixture.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;

namespace {

// Ids from Debian's spm_encode, the independent reference for plain text.
std::vector<std::int64_t> spmEncode(const std::string& model, const std::string& text) {
  mspa::test::TempDir dir;
  mspa::test::writeFile(dir.file("in.txt"), text + "\n");
  const auto r = mspa::test::runProcess("spm_encode --model=" + mspa::test::shellQuote(model) + " --output_format=id < " +
                                        mspa::test::shellQuote(dir.file("in.txt")));
  REQUIRE(r.exitCode == 0);
  std::vector<std::int64_t> ids;
  std::istringstream in(r.out);
  for (std::int64_t id; in >> id;) ids.push_back(id);
  return ids;
}

}  // namespace

TEST_CASE("SentencePiece tokenizer: plain text as spm_encode, special tokens by id, round trip") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  const auto tokenizer = Tokenizer::load(dir.path().string());
  const std::string model = dir.file("tokenizer.model");
  const std::string plain = "The camera moved 950 millimeters to the left.";
  auto expected = spmEncode(model, plain);
  expected.insert(expected.begin(), 1);  // BOS
  CHECK(tokenizer->encode(plain) == expected);
  CHECK(tokenizer->decode(tokenizer->encode(plain)) == plain);

  const auto ids = tokenizer->encode("<|im_start|>user Which point?<|im_end|><img><IMG_CONTEXT><IMG_CONTEXT></img>");
  auto user = spmEncode(model, "user Which point?");
  std::vector<std::int64_t> want = {1, 500};
  want.insert(want.end(), user.begin(), user.end());
  want.insert(want.end(), {501, 510, 509, 509, 511});
  CHECK(ids == want);
  CHECK(tokenizer->specialId("<|im_end|>") == 501);
  CHECK(tokenizer->specialId("<nope>") == -1);
  CHECK(tokenizer->decode({500, 501}) == "<|im_start|><|im_end|>");
  // Characters outside the training text fall back to bytes and survive the round trip.
  CHECK(tokenizer->decode(tokenizer->encode("depth 3.5 m \u00e9\u4e2d")) == "depth 3.5 m \u00e9\u4e2d");
}

TEST_CASE("SentencePiece BPE encoding equals spm_encode over a varied corpus") {
  mspa::test::TempDir dir;
  mspa::test::writeSentencePieceTokenizer(dir.path());
  const auto tokenizer = Tokenizer::load(dir.path().string());
  const std::vector<std::string> lines = {
      "Which point is closer to the camera: [ 472 , 148 ] or [ 500 , 200 ]?",
      "The displacement vector is `[ 12 , -3 , 410 ]` mm.",
      "  leading and  double   spaces ",
      "Unseen words: zygote, quixotic, xylophone!",
      "digits 0123456789 and 3.14159",
      "emoji \xF0\x9F\x98\x80 and accents \xC3\xA9\xC3\xA8 and \xE4\xB8\xAD\xE6\x96\x87",
      "tabs\tand punctuation ;:'\"(){}<>",
  };
  std::string corpus;
  for (const auto& l : lines) corpus += l + "\n";
  mspa::test::writeFile(dir.file("lines.txt"), corpus);
  const auto r = mspa::test::runProcess("spm_encode --model=" + mspa::test::shellQuote(dir.file("tokenizer.model")) +
                                        " --output_format=id < " + mspa::test::shellQuote(dir.file("lines.txt")));
  REQUIRE(r.exitCode == 0);
  std::istringstream out(r.out);
  for (const auto& line : lines) {
    INFO(line);
    std::string ids;
    std::getline(out, ids);
    std::vector<std::int64_t> expected = {1};
    std::istringstream row(ids);
    for (std::int64_t id; row >> id;) expected.push_back(id);
    CHECK(tokenizer->encode(line) == expected);
  }
}

TEST_CASE("A folder without a tokenizer says so") {
  mspa::test::TempDir dir;
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()), Contains("no tokenizer.model or tokenizer.json"));
  mspa::test::writeFile(dir.file("tokenizer.json"), "{}");
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()), Contains("tokenizer.json: model is not BPE"));
}
