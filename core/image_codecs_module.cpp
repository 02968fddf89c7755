// The module behind core/image_codecs.h: the only code that links OpenCV's imgcodecs and videoio.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "core/image_codecs.h"

namespace {

cv::Mat read(const std::string& path, int flags) {
  return cv::imread(path, flags);
}

cv::Mat decode(const cv::Mat& bytes, int flags) {
  return cv::imdecode(bytes, flags);
}

bool write(const std::string& path, const cv::Mat& image, const std::vector<int>& params) {
  return cv::imwrite(path, image, params);
}

bool encode(const std::string& extension, const cv::Mat& image, std::vector<std::uint8_t>& bytes,
            const std::vector<int>& params) {
  return cv::imencode(extension, image, bytes, params);
}

bool videoInfo(const std::string& path, int& frames, double& fps) {
  cv::VideoCapture video(path, cv::CAP_FFMPEG);
  if (!video.isOpened()) return false;
  frames = static_cast<int>(video.get(cv::CAP_PROP_FRAME_COUNT));
  fps = video.get(cv::CAP_PROP_FPS);
  return true;
}

cv::Mat videoFrame(const std::string& path, int index) {
  cv::VideoCapture video(path, cv::CAP_FFMPEG);
  cv::Mat bgr;
  if (!video.isOpened() || !video.set(cv::CAP_PROP_POS_FRAMES, index) || !video.read(bgr))
    return {};
  return bgr;
}

const mspa::codecs::Table kTable{read, decode, write, encode, videoInfo, videoFrame};

}  // namespace

extern "C" __attribute__((visibility("default"))) const mspa::codecs::Table* mspa_codecs_table() {
  return &kTable;
}
