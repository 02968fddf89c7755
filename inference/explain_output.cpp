#include "inference/explain_output.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

// The grid's tile borders, 3 px wide in yellow, at the image's own scale.
RgbBuffer withTileGrid(RgbBuffer image, const TileGrid& grid) {
  const auto paint = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
    std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
    p[0] = 255;
    p[1] = 220;
    p[2] = 0;
  };
  for (int c = 0; c <= grid.cols; ++c) {
    const int x = std::min(image.width - 1, c * image.width / grid.cols);
    for (int y = 0; y < image.height; ++y)
      for (int d = -1; d <= 1; ++d) paint(x + d, y);
  }
  for (int r = 0; r <= grid.rows; ++r) {
    const int y = std::min(image.height - 1, r * image.height / grid.rows);
    for (int x = 0; x < image.width; ++x)
      for (int d = -1; d <= 1; ++d) paint(x, y + d);
  }
  return image;
}

nlohmann::json tokenJson(const ChatEngine& engine, std::int64_t id, double prob) {
  return {{"token", engine.tokenText(id)}, {"id", id}, {"prob", prob}};
}

}  // namespace

std::vector<std::string> writeExplanation(const std::string& dir, const ChatEngine& engine,
                                          const std::vector<std::string>& imageFiles,
                                          const std::vector<RgbBuffer>& images,
                                          const ChatReply& reply, int maxTiles) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw std::runtime_error(dir + ": cannot create the folder (" + error.message() + ")");
  std::vector<std::string> written;
  nlohmann::json described = nlohmann::json::array();
  const int tileSize = engine.config().vision.imageSize;
  for (std::size_t k = 0; k < images.size(); ++k) {
    const RgbBuffer& image = images[k];
    const TileGrid grid = chooseTileGrid(image.width, image.height, maxTiles, tileSize);
    const int tiles = tileCount(image.width, image.height, maxTiles, tileSize);
    const std::string path = (fs::path(dir) / ("tiles-" + std::to_string(k + 1) + ".png")).string();
    const RgbBuffer drawn = withTileGrid(image, grid);
    if (!stbi_write_png(path.c_str(), drawn.width, drawn.height, 3, drawn.pixels.data(),
                        drawn.width * 3))
      throw std::runtime_error(path + ": cannot write");
    written.push_back(path);
    described.push_back({{"file", k < imageFiles.size() ? imageFiles[k] : std::string()},
                         {"width", image.width},
                         {"height", image.height},
                         {"grid", {grid.cols, grid.rows}},
                         {"thumbnail", tiles > grid.cols * grid.rows},
                         {"tiles", tiles}});
  }
  nlohmann::json tokens = nlohmann::json::array();
  for (const TokenExplanation& step : reply.generation.explained) {
    nlohmann::json token = tokenJson(engine, step.id, step.prob);
    token["top"] = nlohmann::json::array();
    for (const TokenAlternative& alternative : step.top)
      token["top"].push_back(tokenJson(engine, alternative.id, alternative.prob));
    tokens.push_back(token);
  }
  const std::string path = (fs::path(dir) / "tokens.json").string();
  std::ofstream out(path);
  out << nlohmann::json{{"tokens", tokens}, {"images", described}}.dump(
             1, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
  if (!out.flush()) throw std::runtime_error(path + ": cannot write");
  written.push_back(path);
  return written;
}

}  // namespace mspa::inference
