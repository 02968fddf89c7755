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
  const auto r =
      mspa::test::runProcess("spm_encode --model=" + mspa::test::shellQuote(model) +
                             " --output_format=id < " + mspa::test::shellQuote(dir.file("in.txt")));
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

  const auto ids = tokenizer->encode(
      "<|im_start|>user Which point?<|im_end|><img><IMG_CONTEXT><IMG_CONTEXT></img>");
  auto user = spmEncode(model, "user Which point?");
  std::vector<std::int64_t> want = {1, 500};
  want.insert(want.end(), user.begin(), user.end());
  want.insert(want.end(), {501, 510, 509, 509, 511});
  CHECK(ids == want);
  CHECK(tokenizer->specialId("<|im_end|>") == 501);
  CHECK(tokenizer->specialId("<nope>") == -1);
  CHECK(tokenizer->decode({500, 501}) == "<|im_start|><|im_end|>");
  // Characters outside the training text fall back to bytes and survive the round trip.
  CHECK(tokenizer->decode(tokenizer->encode("depth 3.5 m \u00e9\u4e2d")) ==
        "depth 3.5 m \u00e9\u4e2d");
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
  const auto r = mspa::test::runProcess(
      "spm_encode --model=" + mspa::test::shellQuote(dir.file("tokenizer.model")) +
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
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("no tokenizer.model or tokenizer.json"));
  mspa::test::writeFile(dir.file("tokenizer.json"), "{}");
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("tokenizer.json: model is not BPE"));
}

TEST_CASE(
    "Tokenizer files that declare impossible ids or byte pieces are refused without allocating for "
    "them") {
  mspa::test::TempDir dir;
  // tokenizer.json: one id of 2^31 - 1 in a two-entry vocabulary (would allocate 64 GiB).
  mspa::test::writeFile(
      dir.file("tokenizer.json"),
      R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 2147483647}, "merges": []}})");
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("vocab id 2147483647 of 'b' is outside 0..1"));
  mspa::test::writeFile(dir.file("tokenizer.json"),
                        R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})");
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("vocab id \"zero\" of 'a' is outside"));
  std::filesystem::remove(dir.file("tokenizer.json"));
  // tokenizer.model: a byte piece "<0x-2>" (would index the byte table at -2).
  const auto field = [](int number, int wire, const std::string& payload) {
    std::string out(1, static_cast<char>(number << 3 | wire));
    if (wire == 2) out += static_cast<char>(payload.size());
    return out + payload;
  };
  const auto piece = [&](const std::string& text, int type) {
    return field(1, 2, field(1, 2, text) + field(3, 0, std::string(1, char(type))));
  };
  const std::string model = piece("<unk>", 2) + piece("<0x-2>", 6) +
                            field(2, 2, field(3, 0, "\x02")) + field(3, 2, field(1, 2, "identity"));
  mspa::test::writeFile(dir.file("tokenizer.model"), model);
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("tokenizer.model: byte piece 1 is not of the form <0xAB>"));
  mspa::test::writeFile(dir.file("tokenizer.model"),
                        model.substr(0, model.size() - 3) + "\x09");  // fixed64 past the end
  CHECK_THROWS_WITH(Tokenizer::load(dir.path().string()),
                    Contains("not a valid SentencePiece model"));
}
