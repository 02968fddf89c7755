#include <algorithm>
#include <filesystem>

#include "core/image_codecs.h"
#include "core/input_error.h"
#include "core/scene_loaders.h"

namespace fs = std::filesystem;

namespace mspa::loaders {
namespace {

bool isImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp";
}

// Natural order, so frame_2 comes before frame_10.
bool naturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const auto na = std::stoull(a.substr(i, std::min<std::size_t>(ie - i, 18)));
      const auto nb = std::stoull(b.substr(j, std::min<std::size_t>(je - j, 18)));
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

Scene loadImageFolder(const std::string& folder) {
  Scene scene;
  scene.kind = "images";
  scene.source = folder;
  scene.name = fs::path(folder).filename().string();
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && isImageFile(entry.path()))
      files.push_back(entry.path().filename().string());
  }
  if (error) throw InputError(folder, "cannot list the folder: " + error.message());
  if (files.empty()) throw InputError(folder, "no images (.jpg, .png, .bmp, .webp) in this folder");
  std::sort(files.begin(), files.end(), naturalLess);
  for (std::size_t i = 0; i < files.size(); ++i) {
    Frame frame;
    frame.name = fs::path(files[i]).stem().string();
    frame.imagePath = (fs::path(folder) / files[i]).string();
    frame.timestamp = static_cast<double>(i);
    scene.frames.push_back(std::move(frame));
  }
  checkImageSizes(scene);
  return scene;
}

Scene loadVideo(const std::string& path) {
  int count = 0;
  double fps = 0;
  if (!codecs::table().videoInfo(path, count, fps))
    throw InputError(path, "cannot open the video (corrupt or unsupported codec)");
  if (count <= 0) throw InputError(path, "the video has no frames");
  Scene scene;
  scene.kind = "video";
  scene.source = path;
  scene.videoPath = path;
  scene.name = fs::path(path).stem().string();
  for (int i = 0; i < count; ++i) {
    Frame frame;
    frame.name = std::to_string(i);
    frame.videoIndex = i;
    frame.timestamp = fps > 0 ? i / fps : i;
    scene.frames.push_back(std::move(frame));
  }
  return scene;
}

}  // namespace mspa::loaders
