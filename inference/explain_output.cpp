#include "inference/explain_output.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

void paint(RgbBuffer& image, int x, int y, const std::array<std::uint8_t, 3>& color) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  std::copy(color.begin(), color.end(),
            &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3]);
}

// The grid's tile borders, 3 px wide in yellow, at the image's own scale.
RgbBuffer withTileGrid(RgbBuffer image, const TileGrid& grid) {
  constexpr std::array<std::uint8_t, 3> kYellow{255, 220, 0};
  for (int c = 0; c <= grid.cols; ++c) {
    const int x = std::min(image.width - 1, c * image.width / grid.cols);
    for (int y = 0; y < image.height; ++y)
      for (int d = -1; d <= 1; ++d) paint(image, x + d, y, kYellow);
  }
  for (int r = 0; r <= grid.rows; ++r) {
    const int y = std::min(image.height - 1, r * image.height / grid.rows);
    for (int x = 0; x < image.width; ++x)
      for (int d = -1; d <= 1; ++d) paint(image, x, y + d, kYellow);
  }
  return image;
}

// The heat map over the picture: black-red-yellow by the share of the map's maximum, blended
// half over the image.
RgbBuffer withHeat(RgbBuffer image, const std::vector<float>& heat) {
  const float peak = std::max(*std::max_element(heat.begin(), heat.end()), 1e-12f);
  for (std::size_t i = 0; i < heat.size(); ++i) {
    const float v = heat[i] / peak;
    const float ramp[3] = {std::min(1.0f, 2 * v), std::max(0.0f, 2 * v - 1), 0};
    for (int c = 0; c < 3; ++c) {
      std::uint8_t& p = image.pixels[i * 3 + c];
      p = static_cast<std::uint8_t>(std::lround(0.45f * p + 0.55f * 255 * ramp[c]));
    }
  }
  return image;
}

void writePng(const std::string& path, const RgbBuffer& image) {
  if (!stbi_write_png(path.c_str(), image.width, image.height, 3, image.pixels.data(),
                      image.width * 3))
    throw std::runtime_error(path + ": cannot write");
}

nlohmann::json tokenJson(const ChatEngine& engine, std::int64_t id, double prob) {
  return {{"token", engine.tokenText(id)}, {"id", id}, {"prob", prob}};
}

}  // namespace

std::pair<int, int> parseLayerRange(const std::string& text, int layers) {
  const int last = layers < 0 ? -1 : layers - 1;
  if (text.empty()) return {0, last};
  const auto colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument(text);
    const std::string first = text.substr(0, colon), end = text.substr(colon + 1);
    return {first.empty() ? 0 : std::stoi(first), end.empty() ? last : std::stoi(end)};
  } catch (const std::logic_error&) {
    throw std::invalid_argument("--layers " + text +
                                ": expected A:B, decoder layers counted from 0 (e.g. 0:" +
                                std::to_string(std::max(last, 0)) + ")");
  }
}

TokenGridMap tokenGridMap(const float* weights, const TileGrid& grid, int tiles, int tokensPerTile,
                          MapPart part) {
  const int side = static_cast<int>(std::lround(std::sqrt(tokensPerTile)));
  const int gridTiles = grid.cols * grid.rows;
  const bool thumbnail = tiles > gridTiles;
  const float* thumbnailWeights = weights + static_cast<std::ptrdiff_t>(gridTiles) * tokensPerTile;
  if (part == MapPart::Thumbnail) {
    if (!thumbnail) return {};
    return {side, side, std::vector<float>(thumbnailWeights, thumbnailWeights + side * side)};
  }
  TokenGridMap map{grid.cols * side, grid.rows * side, {}};
  map.values.resize(static_cast<std::size_t>(map.width) * map.height);
  for (int gy = 0; gy < map.height; ++gy) {
    for (int gx = 0; gx < map.width; ++gx) {
      const int tile = (gy / side) * grid.cols + gx / side;
      float value = weights[tile * tokensPerTile + (gy % side) * side + gx % side];
      if (thumbnail && part == MapPart::Combined)
        value += thumbnailWeights[(gy / grid.rows) * side + gx / grid.cols];
      map.values[static_cast<std::size_t>(gy) * map.width + gx] = value;
    }
  }
  return map;
}

std::vector<float> imageHeatMap(const float* weights, const TileGrid& grid, int tiles, int width,
                                int height, int tokensPerTile, MapPart part) {
  const TokenGridMap map = tokenGridMap(weights, grid, tiles, tokensPerTile, part);
  std::vector<float> heat(static_cast<std::size_t>(width) * height);
  if (map.values.empty()) return heat;
  for (int y = 0; y < height; ++y) {
    const float* row = &map.values[static_cast<std::size_t>(y * map.height / height) * map.width];
    for (int x = 0; x < width; ++x)
      heat[static_cast<std::size_t>(y) * width + x] = row[x * map.width / width];
  }
  return heat;
}

std::vector<std::string> writeExplanation(const std::string& dir, const ChatEngine& engine,
                                          const ChatReply& reply, const ExplainInput& input) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw std::runtime_error(dir + ": cannot create the folder (" + error.message() + ")");
  const auto file = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
  std::vector<std::string> written;
  const AnswerAttention* attention = input.attention;
  const std::size_t answerTokens = reply.generation.explained.size();
  nlohmann::json described = nlohmann::json::array();
  const int tileSize = engine.config().vision.imageSize;
  for (std::size_t k = 0; k < input.images.size(); ++k) {
    const RgbBuffer& image = input.images[k];
    const TileGrid grid = chooseTileGrid(image.width, image.height, input.maxTiles, tileSize);
    const int tiles = tileCount(image.width, image.height, input.maxTiles, tileSize);
    const std::string name = std::to_string(k + 1);
    writePng(file("tiles-" + name + ".png"), withTileGrid(image, grid));
    written.push_back(file("tiles-" + name + ".png"));
    described.push_back({{"file", k < input.imageFiles.size() ? input.imageFiles[k] : ""},
                         {"width", image.width},
                         {"height", image.height},
                         {"grid", {grid.cols, grid.rows}},
                         {"thumbnail", tiles > grid.cols * grid.rows},
                         {"tiles", tiles}});
    if (!attention || attention->weights.empty() || k >= attention->images.size()) continue;
    const auto& span = attention->images[k];
    const auto heatOf = [&](std::size_t token, MapPart part) {
      return imageHeatMap(attention->row(token) + span.begin, grid, span.tiles, image.width,
                          image.height, attention->tokensPerTile, part);
    };
    const auto meanHeat = [&](MapPart part) {
      std::vector<float> mean(static_cast<std::size_t>(image.width) * image.height);
      for (std::size_t g = 0; g < answerTokens; ++g) {
        const std::vector<float> heat = heatOf(g, part);
        std::transform(mean.begin(), mean.end(), heat.begin(), mean.begin(), std::plus<>());
      }
      return mean;
    };
    for (std::size_t g = 0; input.perToken && g < answerTokens; ++g) {
      const std::string path =
          file("attention-" + name + "-token" + std::to_string(g + 1) + ".png");
      writePng(path, withHeat(image, heatOf(g, MapPart::Combined)));
      written.push_back(path);
    }
    std::vector<std::pair<std::string, MapPart>> parts{{"", MapPart::Combined}};
    if (tiles > grid.cols * grid.rows)
      parts.insert(parts.end(), {{"-tiles", MapPart::Tiles}, {"-thumbnail", MapPart::Thumbnail}});
    for (const auto& [suffix, part] : parts) {
      written.push_back(file("attention-" + name + suffix + ".png"));
      writePng(written.back(), withHeat(image, meanHeat(part)));
    }
  }
  nlohmann::json tokens = nlohmann::json::array();
  std::vector<double> meanShares(attention ? attention->images.size() : 0);
  double meanSystemShare = 0;
  for (std::size_t g = 0; g < answerTokens; ++g) {
    const TokenExplanation& step = reply.generation.explained[g];
    nlohmann::json token = tokenJson(engine, step.id, step.prob);
    token["top"] = nlohmann::json::array();
    for (const TokenAlternative& alternative : step.top)
      token["top"].push_back(tokenJson(engine, alternative.id, alternative.prob));
    if (attention && !attention->weights.empty()) {
      const std::vector<double> shares = attention->imageShares(g);
      token["image_attention_share"] = shares;
      token["system_attention_share"] = attention->systemShare(g);
      for (std::size_t i = 0; i < shares.size(); ++i) meanShares[i] += shares[i] / answerTokens;
      meanSystemShare += attention->systemShare(g) / answerTokens;
    }
    tokens.push_back(token);
  }
  nlohmann::json out = {{"tokens", tokens}, {"images", described}};
  if (attention && !attention->weights.empty()) {
    out["image_attention_share"] = meanShares;
    out["system_attention_share"] = meanSystemShare;
    out["text_attention_share"] =
        1 - meanSystemShare - std::accumulate(meanShares.begin(), meanShares.end(), 0.0);
    out["layers"] = {input.firstLayer, input.lastLayer};
  }
  if (input.images.empty())
    out["note"] =
        "the prompt has no image: no attention maps, only the system prompt's and the "
        "text's shares";
  const std::string path = file("tokens.json");
  std::ofstream json(path);
  json << out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!json.flush()) throw std::runtime_error(path + ": cannot write");
  written.push_back(path);
  return written;
}

}  // namespace mspa::inference
