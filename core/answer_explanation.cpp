#include "core/answer_explanation.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "core/opencv_image.h"
#include "core/question_builder.h"

namespace mspa {
namespace {

nlohmann::json candidateJson(const AnswerExplanation::Candidate& c) {
  return {{"token", c.text}, {"id", c.id}, {"prob", c.prob}};
}

}  // namespace

std::optional<AnswerExplanation::ValueConfidence> AnswerExplanation::valueConfidence() const {
  // The first token that spells the value, and whether the opening backtick is in it too.
  std::size_t g = 0;
  bool opened = false, openedHere = false;
  for (; g < tokens.size(); ++g) {
    const std::string& text = tokens[g].chosen.text;
    std::size_t from = 0;
    openedHere = !opened && text.find('`') != std::string::npos;
    if (!opened && !openedHere) continue;
    if (openedHere) from = text.find('`') + 1;
    opened = true;
    if (text.find_first_not_of("` \t", from) != std::string::npos) break;
  }
  if (g == tokens.size()) return std::nullopt;
  // A text's part of the value at a position: after the opening backtick where it is, up to the
  // closing one; and whether the text closes the value.
  const auto part = [](const std::string& text, bool opening) {
    const auto tick = opening ? text.find('`') : std::string::npos;
    const std::size_t from = tick == std::string::npos ? 0 : tick + 1;
    const auto close = text.find('`', from);
    return std::make_pair(text.substr(from, close == std::string::npos ? close : close - from),
                          close != std::string::npos);
  };
  ValueConfidence value{g, {"", tokens[g].chosen.id, 1.0}, {}};
  for (std::size_t at = g; at < tokens.size(); ++at) {
    const bool opening = at == g && openedHere;
    const auto [chosen, closes] = part(tokens[at].chosen.text, opening);
    for (const Candidate& c : tokens[at].top) {
      const std::string other = part(c.text, opening).first;
      if (other != chosen)
        value.competitors.push_back({value.chosen.text + other, c.id, value.chosen.prob * c.prob});
    }
    value.chosen.text += chosen;
    value.chosen.prob *= tokens[at].chosen.prob;
    if (closes) break;
  }
  std::stable_sort(value.competitors.begin(), value.competitors.end(),
                   [](const Candidate& a, const Candidate& b) { return a.prob > b.prob; });
  return value;
}

std::vector<double> AnswerExplanation::imageShare() const {
  std::vector<double> mean;
  for (const Token& t : tokens) {
    mean.resize(t.imageShare.size());
    for (std::size_t i = 0; i < t.imageShare.size(); ++i)
      mean[i] += t.imageShare[i] / static_cast<double>(tokens.size());
  }
  return mean;
}

double AnswerExplanation::systemShare() const {
  double mean = 0;
  for (const Token& t : tokens) mean += t.systemShare / static_cast<double>(tokens.size());
  return mean;
}

const AttentionMap& ImageAttention::part(AttentionPart p) const {
  switch (p) {
    case AttentionPart::Combined:
      return combined;
    case AttentionPart::Tiles:
      return thumbnail.empty() ? combined : tiles;
    case AttentionPart::Thumbnail:
      return thumbnail;
  }
  return combined;
}

bool AnswerExplanation::hasThumbnail() const {
  return std::any_of(tilings.begin(), tilings.end(),
                     [](const ImageTiling& t) { return t.thumbnail; });
}

AttentionMap AnswerExplanation::meanMap(std::size_t image, AttentionPart part) const {
  AttentionMap mean;
  for (const Token& t : tokens) {
    if (image >= t.maps.size() || t.maps[image].part(part).empty()) continue;
    const AttentionMap& m = t.maps[image].part(part);
    if (mean.empty()) mean = {m.width, m.height, std::vector<float>(m.values.size())};
    for (std::size_t i = 0; i < m.values.size(); ++i)
      mean.values[i] += m.values[i] / static_cast<float>(tokens.size());
  }
  return mean;
}

bool AnswerExplanation::hasAttention() const {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const Token& t) { return !t.imageShare.empty(); });
}

nlohmann::json AnswerExplanation::toJson() const {
  const bool attention = hasAttention();
  nlohmann::json list = nlohmann::json::array();
  for (const Token& t : tokens) {
    nlohmann::json token = candidateJson(t.chosen);
    token["top"] = nlohmann::json::array();
    for (const Candidate& c : t.top) token["top"].push_back(candidateJson(c));
    if (attention) {
      token["image_attention_share"] = t.imageShare;
      token["system_attention_share"] = t.systemShare;
    }
    list.push_back(token);
  }
  const std::vector<double> shares = imageShare();
  nlohmann::json value;  // null when no token spells a value
  if (const auto v = valueConfidence()) {
    value = candidateJson(v->chosen);
    value["token_index"] = v->token;
    value["competitors"] = nlohmann::json::array();
    for (const Candidate& c : v->competitors) value["competitors"].push_back(candidateJson(c));
  }
  nlohmann::json out = {{"tokens", list}, {"value", value}};
  if (attention) {
    out["image_attention_share"] = shares;
    out["system_attention_share"] = systemShare();
    out["text_attention_share"] =
        1 - systemShare() - std::accumulate(shares.begin(), shares.end(), 0.0);
    out["layers"] = {firstLayer, lastLayer};
  }
  if (!note.empty()) out["note"] = note;
  return out;
}

std::array<std::uint8_t, 3> heatColor(float v) {
  return {static_cast<std::uint8_t>(255 * std::clamp(2 * v, 0.0f, 1.0f)),
          static_cast<std::uint8_t>(255 * std::clamp(2 * v - 1, 0.0f, 1.0f)), 0};
}

RgbImage drawAttention(const RgbImage& image, const AttentionMap& map) {
  if (map.empty()) return image;
  const cv::Mat coarse(map.height, map.width, CV_32F, const_cast<float*>(map.values.data()));
  cv::Mat heat;
  cv::resize(coarse, heat, cv::Size(image.width, image.height), 0, 0, cv::INTER_LINEAR);
  double peak = 0;
  cv::minMaxLoc(heat, nullptr, &peak);
  RgbImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const auto color =
          heatColor(peak > 0 ? heat.at<float>(y, x) / static_cast<float>(peak) : 0.0f);
      std::uint8_t* p = out.at(x, y);
      for (int c = 0; c < 3; ++c)
        p[c] = static_cast<std::uint8_t>(0.45f * p[c] + 0.55f * color[c] + 0.5f);
    }
  }
  return out;
}

std::vector<std::string> writeExplanationFiles(const std::string& dir, const AnswerExplanation& e,
                                               const Question& question, bool perToken) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw std::runtime_error(dir + ": cannot create the folder (" + error.message() + ")");
  std::vector<std::string> written;
  const auto write = [&](const std::string& name, const RgbImage& image) {
    written.push_back((std::filesystem::path(dir) / name).string());
    writePng(written.back(), image);
  };
  nlohmann::json images = nlohmann::json::array();
  for (std::size_t k = 0; k < question.images.size(); ++k) {
    const std::string image = std::to_string(k + 1);
    const RgbImage& picture = question.images[k];
    if (k < e.tilings.size()) {
      const std::vector<QuestionPoint> points = questionPoints(question, k);
      write("tiles-" + image + ".png", drawTiling(picture, e.tilings[k], points));
      images.push_back(tilingJson(e.tilings[k], picture.width, picture.height, points));
    }
    if (!e.hasAttention()) continue;  // an endpoint's explanation: probabilities only
    write("attention-" + image + ".png", drawAttention(picture, e.meanMap(k)));
    if (k < e.tilings.size() && e.tilings[k].thumbnail) {
      write("attention-" + image + "-tiles.png",
            drawAttention(picture, e.meanMap(k, AttentionPart::Tiles)));
      write("attention-" + image + "-thumbnail.png",
            drawAttention(picture, e.meanMap(k, AttentionPart::Thumbnail)));
    }
    for (std::size_t g = 0; perToken && g < e.tokens.size(); ++g) {
      if (k < e.tokens[g].maps.size())
        write("attention-" + image + "-token" + std::to_string(g + 1) + ".png",
              drawAttention(picture, e.tokens[g].maps[k].combined));
    }
  }
  nlohmann::json out = e.toJson();
  out["images"] = images;
  written.push_back((std::filesystem::path(dir) / "tokens.json").string());
  std::ofstream json(written.back());
  json << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!json.flush()) throw std::runtime_error(written.back() + ": cannot write");
  return written;
}

}  // namespace mspa
