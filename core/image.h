#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.h"

namespace mspa {

// 8-bit RGB, row-major, top row first.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;

  bool empty() const { return pixels.empty(); }
  const std::uint8_t* at(int x, int y) const {
    return &pixels[(static_cast<std::size_t>(y) * width + x) * 3];
  }
  std::uint8_t* at(int x, int y) { return &pixels[(static_cast<std::size_t>(y) * width + x) * 3]; }
};

// Depth in metres along the camera Z axis; 0 where there is no measurement.
struct DepthImage {
  int width = 0, height = 0;
  std::vector<float> metres;
  // The depth camera's own intrinsics where it has them (a ScanNet .sens); otherwise depth shares
  // the colour camera, resampled to the depth's size.
  std::optional<Intrinsics> intrinsics;

  bool empty() const { return metres.empty(); }
  float at(int x, int y) const { return metres[static_cast<std::size_t>(y) * width + x]; }
  // Depth at the pixel nearest to `pixel` (in this image's pixel units); 0 outside the image.
  float nearest(const Eigen::Vector2d& pixel) const;
};

// Decoders and encoders (OpenCV). Every failure throws InputError naming the file.
RgbImage readRgbImage(const std::string& path);
RgbImage decodeRgbImage(const std::uint8_t* bytes, std::size_t size, const std::string& sourceName);
// A 16-bit single-channel PNG whose units times `metresPerUnit` are metres (ScanNet: 0.001).
DepthImage readDepthImage(const std::string& path, double metresPerUnit = 0.001);
// Width and height from the file header without decoding the pixels.
Eigen::Vector2i readImageSize(const std::string& path);

void writeJpeg(const std::string& path, const RgbImage& image, int quality = 92);
std::vector<std::uint8_t> encodeJpeg(const RgbImage& image, int quality = 92);
void writePng(const std::string& path, const RgbImage& image);
void writeDepthPng(const std::string& path, const DepthImage& depth, double metresPerUnit = 0.001);

}  // namespace mspa
