#include "inference/image_preprocess.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mspa::inference {
namespace {

// Pillow's fixed-point precision for 8-bit resampling.
constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

// For each output pixel: the first input pixel it reads and its fixed-point weights.
struct Coefficients {
  std::vector<int> first;
  std::vector<std::vector<int>> weights;
};

Coefficients coefficients(int inSize, int outSize) {
  const double scale = static_cast<double>(inSize) / outSize;
  const double filterScale = std::max(scale, 1.0);
  const double support = 2.0 * filterScale;
  Coefficients c;
  for (int xx = 0; xx < outSize; ++xx) {
    const double center = (xx + 0.5) * scale;
    const int xmin = std::max(0, static_cast<int>(center - support + 0.5));
    const int xmax = std::min(inSize, static_cast<int>(center + support + 0.5));
    std::vector<double> k;
    double sum = 0;
    for (int x = xmin; x < xmax; ++x) {
      k.push_back(bicubic((x - center + 0.5) / filterScale));
      sum += k.back();
    }
    std::vector<int> fixed;
    for (double w : k) {
      const double v = (sum != 0 ? w / sum : w) * (1 << kPrecisionBits);
      fixed.push_back(static_cast<int>(v < 0 ? v - 0.5 : v + 0.5));
    }
    c.first.push_back(xmin);
    c.weights.push_back(std::move(fixed));
  }
  return c;
}

std::uint8_t clip8(long long v) {
  v >>= kPrecisionBits;
  return static_cast<std::uint8_t>(std::clamp<long long>(v, 0, 255));
}

}  // namespace

RgbBuffer readImageFile(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (!data)
    throw std::runtime_error(path + ": cannot read the image (" + stbi_failure_reason() + ")");
  RgbBuffer image{w, h,
                  std::vector<std::uint8_t>(data, data + static_cast<std::size_t>(w) * h * 3)};
  stbi_image_free(data);
  return image;
}

RgbBuffer resizeBicubic(const RgbBuffer& image, int width, int height) {
  // Horizontal pass into an intermediate 8-bit image, then the vertical pass, as Pillow does.
  const Coefficients horizontal = coefficients(image.width, width);
  RgbBuffer mid{width, image.height,
                std::vector<std::uint8_t>(static_cast<std::size_t>(width) * image.height * 3)};
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* row = image.pixels.data() + static_cast<std::size_t>(y) * image.width * 3;
    for (int x = 0; x < width; ++x) {
      const auto& k = horizontal.weights[x];
      for (int c = 0; c < 3; ++c) {
        long long sum = 1LL << (kPrecisionBits - 1);
        for (std::size_t i = 0; i < k.size(); ++i)
          sum += static_cast<long long>(row[(horizontal.first[x] + i) * 3 + c]) * k[i];
        mid.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] = clip8(sum);
      }
    }
  }
  const Coefficients vertical = coefficients(image.height, height);
  RgbBuffer out{width, height,
                std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    const auto& k = vertical.weights[y];
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        long long sum = 1LL << (kPrecisionBits - 1);
        for (std::size_t i = 0; i < k.size(); ++i) {
          sum += static_cast<long long>(mid.pixels[((vertical.first[y] + i) * width + x) * 3 + c]) *
                 k[i];
        }
        out.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] = clip8(sum);
      }
    }
  }
  return out;
}

TileGrid chooseTileGrid(int width, int height, int maxTiles, int tileSize) {
  std::vector<TileGrid> grids;
  for (int n = 1; n <= maxTiles; ++n) {
    for (int i = 1; i <= n; ++i) {
      for (int j = 1; j <= n; ++j) {
        if (i * j <= maxTiles && std::none_of(grids.begin(), grids.end(), [&](const TileGrid& g) {
              return g.cols == i && g.rows == j;
            })) {
          grids.push_back({i, j});
        }
      }
    }
  }
  std::stable_sort(grids.begin(), grids.end(), [](const TileGrid& a, const TileGrid& b) {
    return a.cols * a.rows < b.cols * b.rows;
  });
  const double aspect = static_cast<double>(width) / height,
               area = static_cast<double>(width) * height;
  double bestDiff = std::numeric_limits<double>::infinity();
  TileGrid best;
  for (const auto& g : grids) {
    const double diff = std::abs(aspect - static_cast<double>(g.cols) / g.rows);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = g;
    } else if (diff == bestDiff && area > 0.5 * tileSize * tileSize * g.cols * g.rows) {
      best = g;
    }
  }
  return best;
}

int tileCount(int width, int height, int maxTiles, int tileSize, bool thumbnail) {
  const TileGrid grid = chooseTileGrid(width, height, maxTiles, tileSize);
  return grid.cols * grid.rows + (thumbnail && grid.cols * grid.rows > 1 ? 1 : 0);
}

std::vector<std::uint8_t> makeTiles(const RgbBuffer& image, int maxTiles, int& count, int tileSize,
                                    bool thumbnail) {
  const TileGrid grid = chooseTileGrid(image.width, image.height, maxTiles, tileSize);
  const RgbBuffer resized = resizeBicubic(image, grid.cols * tileSize, grid.rows * tileSize);
  count = tileCount(image.width, image.height, maxTiles, tileSize, thumbnail);
  const std::size_t tileBytes = static_cast<std::size_t>(tileSize) * tileSize * 3;
  std::vector<std::uint8_t> tiles(tileBytes * count);
  for (int t = 0; t < grid.cols * grid.rows; ++t) {
    const int x0 = (t % grid.cols) * tileSize, y0 = (t / grid.cols) * tileSize;
    for (int y = 0; y < tileSize; ++y) {
      std::copy_n(
          resized.pixels.data() + (static_cast<std::size_t>(y0 + y) * resized.width + x0) * 3,
          tileSize * 3, tiles.data() + t * tileBytes + static_cast<std::size_t>(y) * tileSize * 3);
    }
  }
  if (count > grid.cols * grid.rows) {
    const RgbBuffer thumb = resizeBicubic(image, tileSize, tileSize);
    std::copy(thumb.pixels.begin(), thumb.pixels.end(), tiles.end() - static_cast<long>(tileBytes));
  }
  return tiles;
}

}  // namespace mspa::inference
