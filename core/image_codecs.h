#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace mspa::codecs {

// OpenCV's image codecs and video reader map about 220 shared libraries (GDAL, FFmpeg,
// GStreamer), ~100 ms at every start of every program that links them. They live in the module
// mspa_codecs, which core loads at the first pixel read or written, so a command that never
// touches pixels (`mspa score`, `mspa scene info` on JPEG/PNG frames) starts without them.
// The entries mirror the OpenCV calls they wrap; an empty Mat or false means failure.
struct Table {
  cv::Mat (*read)(const std::string& path, int flags);
  cv::Mat (*decode)(const cv::Mat& bytes, int flags);
  bool (*write)(const std::string& path, const cv::Mat& image, const std::vector<int>& params);
  bool (*encode)(const std::string& extension, const cv::Mat& image,
                 std::vector<std::uint8_t>& bytes, const std::vector<int>& params);
  // A video's frame count and rate; false when it cannot be opened.
  bool (*videoInfo)(const std::string& path, int& frames, double& fps);
  cv::Mat (*videoFrame)(const std::string& path, int index);
};

// The module's table, loaded at the first call; throws std::runtime_error naming the module
// when it cannot be loaded (a broken installation, not a bad file).
const Table& table();

}  // namespace mspa::codecs
