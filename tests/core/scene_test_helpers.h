#pragma once

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <string>

#include "core/demo_room.h"
#include "core/image.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

inline RgbImage gradientImage(int width, int height) {
  RgbImage image{width, height,
                 std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      auto* p = image.at(x, y);
      p[0] = static_cast<std::uint8_t>(x * 255 / width);
      p[1] = static_cast<std::uint8_t>(y * 255 / height);
      p[2] = 128;
    }
  }
  return image;
}

inline void writeText(const std::string& path, const std::string& text) {
  writeFile(path, text);
}

inline std::string matrixText(const Eigen::Matrix4d& m) {
  std::ostringstream out;
  out << std::setprecision(12);
  for (int r = 0; r < 4; ++r)
    out << m(r, 0) << ' ' << m(r, 1) << ' ' << m(r, 2) << ' ' << m(r, 3) << '\n';
  return out.str();
}

// A small ScanNet posed-images folder: `frames` frames of 64x48 with depth 2 m and poses along x.
inline void writeScanNetFolder(const std::filesystem::path& folder, int frames) {
  std::filesystem::create_directories(folder);
  Eigen::Matrix4d k = Eigen::Matrix4d::Identity();
  k(0, 0) = 50;
  k(1, 1) = 50;
  k(0, 2) = 31.5;
  k(1, 2) = 23.5;
  writeText((folder / "intrinsic.txt").string(), matrixText(k));
  for (int f = 0; f < frames; ++f) {
    std::ostringstream name;
    name << std::setw(5) << std::setfill('0') << f * 5;
    writeJpeg((folder / (name.str() + ".jpg")).string(), gradientImage(64, 48));
    writeDepthPng((folder / (name.str() + ".png")).string(),
                  {64, 48, std::vector<float>(64 * 48, 2.0f)});
    writeText((folder / (name.str() + ".txt")).string(),
              matrixText(lookAt({0.1 * f, 0, 1}, {0.1 * f, 3, 1}).matrix()));
  }
}

}  // namespace mspa::test
