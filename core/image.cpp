#include "core/image.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>  // the flags only: the codecs themselves load on demand
#include <opencv2/imgproc.hpp>
#include <string_view>

#include "core/image_codecs.h"
#include "core/input_error.h"
#include "core/opencv_image.h"

namespace mspa {

RgbImage rgbFromBgr(const cv::Mat& bgr) {
  RgbImage image;
  image.width = bgr.cols;
  image.height = bgr.rows;
  image.pixels.resize(static_cast<std::size_t>(bgr.cols) * bgr.rows * 3);
  cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, image.pixels.data());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return image;
}

cv::Mat bgrFromRgb(const RgbImage& image) {
  const cv::Mat rgb(image.height, image.width, CV_8UC3,
                    const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

namespace {

// The formats the project reads (JPEG, PNG, BMP, WebP), told by their first bytes. OpenCV would
// also hand other signatures to decoders of their own (DICOM through GDCM, GDAL's rasters), and
// some of those abort the process on a crafted file: such bytes never reach it.
bool knownImageFormat(const std::uint8_t* head, std::size_t size) {
  const auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return size >= at + magic.size() &&
           std::equal(magic.begin(), magic.end(), head + at,
                      [](char m, std::uint8_t h) { return static_cast<std::uint8_t>(m) == h; });
  };
  return starts("\xFF\xD8\xFF") || starts("\x89PNG\r\n\x1A\n") || starts("BM") ||
         (starts("RIFF") && starts("WEBP", 8));
}

void requireReadable(const std::string& path) {
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw InputError(path, "cannot open the file (missing or unreadable)");
  if (probe.peek() == std::ifstream::traits_type::eof()) throw InputError(path, "file is empty");
  std::uint8_t head[12] = {};
  probe.read(reinterpret_cast<char*>(head), sizeof head);
  if (!knownImageFormat(head, static_cast<std::size_t>(probe.gcount())))
    throw InputError(path, "not a readable image (not a JPEG, PNG, BMP or WebP file)");
}

void writeOrThrow(const std::string& path, const cv::Mat& mat,
                  const std::vector<int>& params = {}) {
  bool ok = false;
  try {
    ok = codecs::table().write(path, mat, params);
  } catch (const cv::Exception& e) {
    throw InputError(path, std::string("cannot write image: ") + e.what());
  }
  if (!ok) throw InputError(path, "cannot write image");
}

}  // namespace

float DepthImage::nearest(const Eigen::Vector2d& pixel) const {
  const long x = std::lround(pixel.x()), y = std::lround(pixel.y());
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return at(static_cast<int>(x), static_cast<int>(y));
}

RgbImage readRgbImage(const std::string& path) {
  requireReadable(path);
  const cv::Mat bgr = codecs::table().read(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw InputError(path, "not a readable image (corrupt or unsupported format)");
  return rgbFromBgr(bgr);
}

RgbImage decodeRgbImage(const std::uint8_t* bytes, std::size_t size,
                        const std::string& sourceName) {
  if (size == 0) throw InputError(sourceName, "image data is empty");
  if (!knownImageFormat(bytes, size))
    throw InputError(sourceName, "image bytes cannot be decoded (not JPEG, PNG, BMP or WebP)");
  const cv::Mat buffer(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(bytes));
  const cv::Mat bgr = codecs::table().decode(buffer, cv::IMREAD_COLOR);
  if (bgr.empty())
    throw InputError(sourceName, "image bytes cannot be decoded (corrupt JPEG/PNG?)");
  return rgbFromBgr(bgr);
}

DepthImage readDepthImage(const std::string& path, double metresPerUnit) {
  requireReadable(path);
  const cv::Mat raw = codecs::table().read(path, cv::IMREAD_ANYDEPTH | cv::IMREAD_GRAYSCALE);
  if (raw.empty()) throw InputError(path, "not a readable depth image");
  if (raw.type() != CV_16UC1) throw InputError(path, "depth must be a 16-bit single-channel PNG");
  DepthImage depth;
  depth.width = raw.cols;
  depth.height = raw.rows;
  depth.metres.resize(static_cast<std::size_t>(raw.cols) * raw.rows);
  for (int y = 0; y < raw.rows; ++y) {
    const auto* row = raw.ptr<std::uint16_t>(y);
    for (int x = 0; x < raw.cols; ++x) {
      depth.metres[static_cast<std::size_t>(y) * raw.cols + x] =
          static_cast<float>(row[x] * metresPerUnit);
    }
  }
  return depth;
}

Eigen::Vector2i readImageSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open the file (missing or unreadable)");
  const auto byte = [&] {
    const int c = in.get();
    if (c == EOF) throw InputError(path, "image header is truncated");
    return static_cast<std::uint8_t>(c);
  };
  const auto big16 = [&] { return (byte() << 8) | byte(); };
  const std::uint8_t b0 = byte(), b1 = byte();
  if (b0 == 0x89 && b1 == 'P') {  // PNG: signature (8), IHDR length+type (8), width, height
    in.seekg(16);
    const int w = (big16() << 16) | big16();
    const int h = (big16() << 16) | big16();
    return {w, h};
  }
  if (b0 == 0xFF && b1 == 0xD8) {  // JPEG: walk the segments to the first start-of-frame
    while (true) {
      std::uint8_t marker = byte();
      if (marker != 0xFF) throw InputError(path, "corrupt JPEG header");
      while (marker == 0xFF) marker = byte();
      const int length = big16();
      const bool startOfFrame =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (startOfFrame) {
        byte();  // precision
        const int h = big16();
        const int w = big16();
        return {w, h};
      }
      in.seekg(length - 2, std::ios::cur);
    }
  }
  const RgbImage other = readRgbImage(path);  // other formats: decode to learn the size
  return {other.width, other.height};
}

void writeJpeg(const std::string& path, const RgbImage& image, int quality) {
  writeOrThrow(path, bgrFromRgb(image), {cv::IMWRITE_JPEG_QUALITY, quality});
}

std::vector<std::uint8_t> encodeJpeg(const RgbImage& image, int quality) {
  std::vector<std::uint8_t> bytes;
  if (!codecs::table().encode(".jpg", bgrFromRgb(image), bytes,
                              {cv::IMWRITE_JPEG_QUALITY, quality})) {
    throw std::runtime_error("JPEG encoding failed");
  }
  return bytes;
}

void writePng(const std::string& path, const RgbImage& image) {
  writeOrThrow(path, bgrFromRgb(image));
}

void writeDepthPng(const std::string& path, const DepthImage& depth, double metresPerUnit) {
  cv::Mat raw(depth.height, depth.width, CV_16UC1);
  for (int y = 0; y < depth.height; ++y) {
    auto* row = raw.ptr<std::uint16_t>(y);
    for (int x = 0; x < depth.width; ++x) {
      const double units = std::round(depth.at(x, y) / metresPerUnit);
      row[x] = static_cast<std::uint16_t>(std::clamp(units, 0.0, 65535.0));
    }
  }
  writeOrThrow(path, raw);
}

}  // namespace mspa
