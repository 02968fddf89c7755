// ScanNet as it is downloaded: a scan's .sens stream, and the folder ScanNet's SensReader exports
// from it.
#include <algorithm>
#include <filesystem>

#include "core/input_error.h"
#include "core/scene_loaders.h"
#include "core/sens_stream.h"

namespace fs = std::filesystem;

namespace mspa::loaders {
namespace {

std::optional<Intrinsics> sized(std::optional<Intrinsics> k, int width, int height) {
  if (k) {
    k->width = width;
    k->height = height;
  }
  return k;
}

std::vector<std::string> numberedStems(const fs::path& folder, const std::string& extension) {
  std::vector<std::string> stems;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() == extension && isFrameNumber(stem)) stems.push_back(stem);
  }
  std::sort(stems.begin(), stems.end(), [](const std::string& a, const std::string& b) {
    return std::stoull(a) < std::stoull(b);
  });
  return stems;
}

}  // namespace

Scene loadSens(const std::string& path, const LoadProgress& progress) {
  auto stream = std::make_shared<const SensStream>(path);
  const SensStream::Header& h = stream->header();
  Scene scene;
  scene.kind = "scannet-sens";
  scene.source = path;
  scene.name = fs::path(path).stem().string();
  if (!stream->truncation().empty()) scene.warnings.push_back(path + ": " + stream->truncation());
  if (stream->frames().empty()) throw InputError(path, "the stream holds no frames");
  const auto color = sized(intrinsicsFromMatrix(h.colorIntrinsic.cast<double>(),
                                                path + " colour intrinsics", scene.warnings),
                           static_cast<int>(h.colorWidth), static_cast<int>(h.colorHeight));
  const auto depth = sized(intrinsicsFromMatrix(h.depthIntrinsic.cast<double>(),
                                                path + " depth intrinsics", scene.warnings),
                           static_cast<int>(h.depthWidth), static_cast<int>(h.depthHeight));
  const auto& records = stream->frames();
  for (std::size_t i = 0; i < records.size(); ++i) {
    Frame frame;
    frame.name = posedFrameName(i);
    frame.sens = stream;
    frame.sensFrame = i;
    frame.intrinsics = color;
    frame.depthIntrinsics = depth;
    frame.cameraToWorld = validatePose(records[i].cameraToWorld.cast<double>(),
                                       path + " frame " + std::to_string(i), scene.warnings);
    frame.timestamp = records[i].colorTimestamp > 0 ? records[i].colorTimestamp * 1e-6
                                                    : static_cast<double>(i) / kScanNetFps;
    scene.frames.push_back(std::move(frame));
  }
  attachScanNetExtras(scene, fs::path(path).parent_path().string(), progress);
  return scene;
}

bool looksLikeSensReaderExport(const std::string& folder) {
  std::error_code error;
  const fs::path root(folder);
  return fs::is_directory(root / "color", error) && fs::is_directory(root / "pose", error);
}

Scene loadSensReaderExport(const std::string& folderName, const LoadProgress& progress) {
  const fs::path folder(folderName);
  Scene scene;
  scene.kind = "sensreader";
  scene.source = folderName;
  scene.name = folder.filename().empty() ? folder.parent_path().filename().string()
                                         : folder.filename().string();
  const std::vector<std::string> stems = numberedStems(folder / "color", ".jpg");
  if (stems.empty())
    throw InputError(folderName, "no SensReader colour frames (color/N.jpg) in this folder");
  const fs::path intrinsic = folder / "intrinsic";
  auto color = readIntrinsicsFile((intrinsic / "intrinsic_color.txt").string(), scene.warnings);
  std::optional<Intrinsics> depth;
  if (fs::exists(intrinsic / "intrinsic_depth.txt"))
    depth = readIntrinsicsFile((intrinsic / "intrinsic_depth.txt").string(), scene.warnings);
  for (const auto& stem : stems) {
    Frame frame;
    frame.name = posedFrameName(std::stoull(stem));
    frame.imagePath = (folder / "color" / (stem + ".jpg")).string();
    const fs::path depthPath = folder / "depth" / (stem + ".png");
    if (fs::exists(depthPath)) {
      frame.depthPath = depthPath.string();
    } else {
      scene.warnings.push_back(depthPath.string() + ": missing; frame has no depth");
    }
    frame.intrinsics = color;
    frame.cameraToWorld =
        readPoseFile((folder / "pose" / (stem + ".txt")).string(), scene.warnings);
    frame.timestamp = static_cast<double>(std::stoull(stem)) / kScanNetFps;
    scene.frames.push_back(std::move(frame));
  }
  // The depth camera's size is its images'; the colour's comes from checkImageSizes.
  if (depth) {
    for (const auto& frame : scene.frames) {
      if (!frame.hasDepth()) continue;
      try {
        const Eigen::Vector2i size = readImageSize(frame.depthPath);
        depth = sized(depth, size.x(), size.y());
      } catch (const InputError& e) {
        scene.warnings.push_back(e.what());
        depth.reset();
      }
      break;
    }
    for (auto& frame : scene.frames) frame.depthIntrinsics = depth;
  }
  checkImageSizes(scene);
  attachScanNetExtras(scene, folderName, progress);
  return scene;
}

}  // namespace mspa::loaders
