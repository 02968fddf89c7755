#include "core/scene.h"

#include <filesystem>
#include <map>
#include <tuple>

#include "core/image_codecs.h"
#include "core/input_error.h"
#include "core/opencv_image.h"
#include "core/ply_reader.h"
#include "core/scene_loaders.h"
#include "core/sens_stream.h"

namespace fs = std::filesystem;

namespace mspa {
namespace {

std::string lowerExtension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool isVideoExtension(const std::string& ext) {
  return ext == ".mp4" || ext == ".avi" || ext == ".mov" || ext == ".mkv" || ext == ".webm";
}

Scene loadPlyScene(const std::string& path, const LoadProgress& progress) {
  Scene scene;
  scene.kind = "ply";
  scene.source = path;
  scene.name = fs::path(path).stem().string();
  PlyReadOptions options;
  options.progress = progress;
  scene.cloud = std::make_shared<PointCloud>(readPly(path, options));
  return scene;
}

}  // namespace

Scene loadScene(const std::string& path, const LoadProgress& progress) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throw InputError(path, "no such file or folder");
  const std::string ext = lowerExtension(path);
  if (fs::is_directory(status)) {
    if (loaders::looksLikeSensReaderExport(path))
      return loaders::loadSensReaderExport(path, progress);
    return loaders::looksLikeScanNet(path) ? loaders::loadScanNetFolder(path, progress)
                                           : loaders::loadImageFolder(path);
  }
  if (ext == ".sens") return loaders::loadSens(path, progress);
  if (ext == ".json") return loaders::loadManifest(path, progress);
  if (ext == ".npz") return loaders::loadTapVid3d(path);
  if (ext == ".ply") return loadPlyScene(path, progress);
  if (isVideoExtension(ext)) return loaders::loadVideo(path);
  throw InputError(path, "unsupported scene type '" + ext +
                             "' (expected a folder, .sens, .json manifest, .npz, .ply or a video)");
}

RgbImage loadColor(const Scene& scene, const Frame& frame) {
  if (frame.encodedImage) {
    return decodeRgbImage(frame.encodedImage->data(), frame.encodedImage->size(),
                          scene.source + " frame " + frame.name);
  }
  if (frame.sens) return frame.sens->color(frame.sensFrame);
  if (frame.videoIndex >= 0) {
    const cv::Mat bgr = codecs::table().videoFrame(scene.videoPath, frame.videoIndex);
    if (bgr.empty()) {
      throw InputError(scene.videoPath, "cannot decode frame " + std::to_string(frame.videoIndex));
    }
    return rgbFromBgr(bgr);
  }
  if (frame.imagePath.empty())
    throw InputError(scene.source, "frame " + frame.name + " has no image");
  return readRgbImage(frame.imagePath);
}

DepthImage loadDepth(const Frame& frame) {
  if (!frame.hasDepth()) throw InputError(frame.name, "frame has no depth");
  DepthImage depth = frame.sens ? frame.sens->depth(frame.sensFrame)
                                : readDepthImage(frame.depthPath, frame.depthUnit);
  if (frame.depthIntrinsics) depth.intrinsics = frame.depthIntrinsics;
  return depth;
}

namespace loaders {

void checkImageSizes(Scene& scene) {
  std::vector<std::optional<Eigen::Vector2i>> sizes;
  std::map<std::pair<int, int>, int> votes;
  for (const auto& frame : scene.frames) {
    sizes.emplace_back();
    if (frame.imagePath.empty()) continue;
    try {
      sizes.back() = readImageSize(frame.imagePath);
      ++votes[{sizes.back()->x(), sizes.back()->y()}];
    } catch (const InputError& e) {
      scene.warnings.push_back(e.what());
    }
  }
  // Intrinsics without a size (ScanNet's intrinsic.txt) belong to the scene's usual image size.
  std::pair<int, int> usual{0, 0};
  int most = 0;
  for (const auto& [size, n] : votes) {
    if (n > most) std::tie(usual, most) = std::tie(size, n);
  }
  for (std::size_t i = 0; i < scene.frames.size(); ++i) {
    auto& frame = scene.frames[i];
    if (!frame.intrinsics || !sizes[i]) continue;
    Intrinsics& k = *frame.intrinsics;
    if (k.width == 0 && k.height == 0) std::tie(k.width, k.height) = usual;
    const Eigen::Vector2i size = *sizes[i];
    if (k.width != size.x() || k.height != size.y()) {
      scene.warnings.push_back(frame.imagePath + ": image is " + std::to_string(size.x()) + "x" +
                               std::to_string(size.y()) + " but the intrinsics are for " +
                               std::to_string(k.width) + "x" + std::to_string(k.height) +
                               "; intrinsics scaled to the image");
      k = k.scaledTo(size.x(), size.y());
    }
  }
}

}  // namespace loaders
}  // namespace mspa
