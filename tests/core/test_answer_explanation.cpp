#include <catch2/catch.hpp>

#include "core/answer_explanation.h"

using namespace mspa;

namespace {

AnswerExplanation::Token token(const std::string& text, std::int64_t id, double prob,
                               std::vector<AnswerExplanation::Candidate> others = {}) {
  AnswerExplanation::Token t{{text, id, prob}, {{text, id, prob}}, {0.3, 0.2}, 0.1, {}};
  t.top.insert(t.top.end(), others.begin(), others.end());
  return t;
}

}  // namespace

TEST_CASE("The value's confidence: its tokens' joint probability, competitors where they differ") {
  AnswerExplanation e;
  e.tokens = {token("The", 1, 0.9),
              token(" camera", 2, 0.8),
              token(" shifted", 3, 0.7),
              token(" `", 4, 0.95),
              token("left", 5, 0.51, {{"right", 6, 0.47}, {"up", 7, 0.01}}),
              token("`.", 8, 0.99)};
  const auto value = e.valueConfidence();
  REQUIRE(value);
  CHECK(value->token == 4);
  CHECK(value->chosen.text == "left");
  CHECK(value->chosen.prob == Approx(0.51 * 0.99));  // "left", then the closing backtick
  REQUIRE(value->competitors.size() == 2);
  CHECK(value->competitors[0].text == "right");
  const nlohmann::json j = e.toJson();
  CHECK(j["value"]["token"] == "left");
  CHECK(j["value"]["competitors"][0]["prob"] == 0.47);
  CHECK(j["image_attention_share"][0].get<double>() == Approx(0.3));
  CHECK(j["system_attention_share"].get<double>() == Approx(0.1));
  CHECK(j["text_attention_share"].get<double>() == Approx(0.4));  // the rest

  // A backtick and the value's first digit in one token, the rest in the next (no closing one).
  e.tokens = {token("It is `2", 1, 0.6, {{"It is `3", 9, 0.3}}), token("905", 2, 0.99)};
  REQUIRE(e.valueConfidence());
  CHECK(e.valueConfidence()->token == 0);
  CHECK(e.valueConfidence()->chosen.text == "2905");
  CHECK(e.valueConfidence()->competitors[0].text == "3");
  CHECK(e.valueConfidence()->competitors[0].id == 9);

  // Digit by digit: `2905` against `295…` (the first differing digit) and `3…`.
  e.tokens = {token(" `", 1, 0.9), token("2", 2, 0.8, {{"3", 3, 0.15}}),
              token("9", 4, 0.9),  token("0", 5, 0.6, {{"5", 6, 0.35}}),
              token("5", 6, 0.7),  token("`", 7, 0.95)};
  const auto digits = e.valueConfidence();
  REQUIRE(digits);
  CHECK(digits->chosen.text == "2905");
  CHECK(digits->chosen.prob == Approx(0.8 * 0.9 * 0.6 * 0.7 * 0.95));
  REQUIRE(digits->competitors.size() == 2);
  CHECK(digits->competitors[0].text == "295");
  CHECK(digits->competitors[0].prob == Approx(0.8 * 0.9 * 0.35));
  CHECK(digits->competitors[1].text == "3");

  // An endpoint's tokens have no ids: competitors are told apart by text.
  e.tokens = {token(" `left", -1, 0.6, {{" `right", -1, 0.3}}), token("`", -1, 0.9)};
  REQUIRE(e.valueConfidence());
  REQUIRE(e.valueConfidence()->competitors.size() == 1);
  CHECK(e.valueConfidence()->competitors[0].text == "right");

  e.tokens = {token("I do not know.", 1, 0.4)};
  CHECK_FALSE(e.valueConfidence());
  CHECK(e.toJson()["value"].is_null());
}

TEST_CASE("Attention drawn over a picture peaks where the map does") {
  const RgbImage grey{64, 48, std::vector<std::uint8_t>(64 * 48 * 3, 100)};
  AttentionMap map{4, 3, std::vector<float>(12, 0.0f)};
  map.values[2 * 4 + 3] = 1;  // bottom-right cell
  const RgbImage drawn = drawAttention(grey, map);
  CHECK(drawn.at(63, 47)[0] > drawn.at(0, 0)[0]);  // red where it looked
  CHECK(drawn.at(0, 0)[0] == std::uint8_t(45));    // elsewhere the picture, darkened
  CHECK(heatColor(1.0f) == std::array<std::uint8_t, 3>{255, 255, 0});
  CHECK(heatColor(0.5f) == std::array<std::uint8_t, 3>{255, 0, 0});
  CHECK(drawAttention(grey, {}).pixels == grey.pixels);  // no map: the picture as it is
}

TEST_CASE("An image of several tiles: its grid tiles' and its thumbnail's attention apart") {
  const AttentionMap combined{2, 1, {0.5f, 0.25f}}, tiles{2, 1, {0.25f, 0.0f}},
      thumbnail{1, 1, {0.25f}};
  AnswerExplanation e;
  e.tilings = {{2, 1, 448, true}, {1, 1, 448, false}};
  for (float scale : {1.0f, 3.0f}) {
    AnswerExplanation::Token t = token("x", 1, 0.5);
    t.maps.push_back({combined, tiles, thumbnail});
    t.maps.push_back({combined, {}, {}});  // one tile: the combined map is all there is
    for (auto* m : {&t.maps[0].combined, &t.maps[0].tiles, &t.maps[0].thumbnail})
      for (float& v : m->values) v *= scale;
    e.tokens.push_back(t);
  }
  CHECK(e.hasThumbnail());
  // The mean over both tokens, of the part asked for.
  CHECK(e.meanMap(0, AttentionPart::Tiles).values == std::vector<float>{0.5f, 0.0f});
  CHECK(e.meanMap(0, AttentionPart::Thumbnail).values == std::vector<float>{0.5f});
  CHECK(e.meanMap(0).values == std::vector<float>{1.0f, 0.5f});
  // Without a thumbnail the grid is the whole image, and there is no thumbnail to show.
  CHECK(e.tokens[0].maps[1].part(AttentionPart::Tiles).values == combined.values);
  CHECK(e.tokens[0].maps[1].part(AttentionPart::Thumbnail).empty());
  e.tilings[0].thumbnail = false;
  CHECK_FALSE(e.hasThumbnail());
}
