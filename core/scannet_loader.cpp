#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/ply_reader.h"
#include "core/scene_loaders.h"

namespace fs = std::filesystem;

namespace mspa::loaders {
namespace {

std::optional<Intrinsics> readIntrinsics(const fs::path& folder,
                                         std::vector<std::string>& warnings) {
  for (const char* name : {"intrinsic.txt", "intrinsic_color.txt", "intrinsics.txt"}) {
    if (fs::exists(folder / name)) return readIntrinsicsFile((folder / name).string(), warnings);
  }
  warnings.push_back((folder / "intrinsic.txt").string() + ": missing; frames have no intrinsics");
  return std::nullopt;
}

// The mesh and its annotation files: next to the frames (the demo scene's layout), or in
// ScanNet's scans/<scene>/ beside posed_images/<scene>/.
fs::path findMesh(const fs::path& folder, const std::string& sceneName) {
  for (const fs::path& dir : {folder, folder.parent_path().parent_path() / "scans" / sceneName}) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) continue;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 15 && name.compare(name.size() - 15, 15, "_vh_clean_2.ply") == 0)
        return entry.path();
    }
  }
  return {};
}

// Point tracks are not part of ScanNet; the project keeps them beside the frames as *_tracks.json.
fs::path findTracks(const fs::path& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 12 && name.compare(name.size() - 12, 12, "_tracks.json") == 0)
      return entry.path();
  }
  return {};
}

void loadInstances(Scene& scene, const fs::path& mesh) {
  const std::string stem = mesh.filename().string().substr(0, mesh.filename().string().size() - 15);
  const fs::path aggregation = mesh.parent_path() / (stem + ".aggregation.json");
  const fs::path segments = mesh.parent_path() / (stem + "_vh_clean_2.0.010000.segs.json");
  if (!fs::exists(aggregation) || !fs::exists(segments)) return;
  try {
    const nlohmann::json segJson = readJsonFile(segments.string()).at("segIndices");
    std::vector<long long> segIndices;
    for (const auto& s : segJson) {
      // An id that is not an integer would make get<long long> undefined behaviour.
      if (!s.is_number_integer())
        throw InputError(segments.string(), "segIndices holds " + s.dump() + ", not an integer");
      segIndices.push_back(s.get<long long>());
    }
    if (segIndices.size() != scene.cloud->size()) {
      scene.warnings.push_back(segments.string() + ": has " + std::to_string(segIndices.size()) +
                               " segment indices for " + std::to_string(scene.cloud->size()) +
                               " mesh vertices; instances skipped");
      return;
    }
    std::unordered_map<long long, std::vector<std::uint32_t>> pointsOfSegment;
    for (std::size_t i = 0; i < segIndices.size(); ++i)
      pointsOfSegment[segIndices[i]].push_back(static_cast<std::uint32_t>(i));
    const nlohmann::json groups = readJsonFile(aggregation.string()).at("segGroups");
    for (const auto& group : groups) {
      ObjectInstance instance;
      const std::string source = aggregation.string();
      instance.id = jsonInteger(group, "objectId", jsonInteger(group, "id", 0, 0, 1 << 30, source),
                                0, 1 << 30, source);
      instance.label = group.value("label", "");
      for (const auto& id : group.at("segments")) {
        if (!id.is_number_integer())
          throw InputError(aggregation.string(),
                           "segments holds " + id.dump() + ", not an integer");
        const long long segment = id.get<long long>();
        const auto& points = pointsOfSegment[segment];
        instance.pointIndices.insert(instance.pointIndices.end(), points.begin(), points.end());
      }
      if (instance.pointIndices.empty()) continue;
      PointCloud subset;
      for (auto i : instance.pointIndices) subset.positions.push_back(scene.cloud->positions[i]);
      instance.box = subset.bounds();
      scene.instances.push_back(std::move(instance));
    }
  } catch (const nlohmann::json::exception& e) {
    scene.warnings.push_back(aggregation.string() + ": unexpected structure (" + e.what() +
                             "); instances skipped");
  } catch (const InputError& e) {
    scene.warnings.push_back(std::string(e.what()) + "; instances skipped");
  }
}

}  // namespace

bool looksLikeScanNet(const std::string& folder) {
  std::error_code error;
  if (fs::exists(fs::path(folder) / "intrinsic.txt", error)) return true;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".txt" && isFrameNumber(entry.path().stem().string()))
      return true;
  }
  return false;
}

Scene loadScanNetFolder(const std::string& folderName, const LoadProgress& progress) {
  const fs::path folder = fs::path(folderName);
  Scene scene;
  scene.kind = "scannet";
  scene.source = folderName;
  scene.name = folder.filename().empty() ? folder.parent_path().filename().string()
                                         : folder.filename().string();

  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".jpg" && isFrameNumber(entry.path().stem().string())) {
      names.push_back(entry.path().stem().string());
    }
  }
  if (names.empty()) throw InputError(folderName, "no ScanNet frames ({frame}.jpg) in this folder");
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::stoll(a) < std::stoll(b);
  });

  const std::optional<Intrinsics> intrinsics = readIntrinsics(folder, scene.warnings);
  // Written by `mspa scene export` from a .sens: the depth camera's own (its size: the images').
  std::optional<Intrinsics> depthIntrinsics;
  if (fs::exists(folder / "intrinsic_depth.txt"))
    depthIntrinsics = readIntrinsicsFile((folder / "intrinsic_depth.txt").string(), scene.warnings);
  for (const auto& name : names) {
    Frame frame;
    frame.name = name;
    frame.imagePath = (folder / (name + ".jpg")).string();
    const fs::path depth = folder / (name + ".png");
    if (fs::exists(depth)) {
      frame.depthPath = depth.string();
    } else {
      scene.warnings.push_back(depth.string() + ": missing; frame has no depth");
    }
    frame.intrinsics = intrinsics;
    frame.depthIntrinsics = depthIntrinsics;
    frame.cameraToWorld = readPoseFile((folder / (name + ".txt")).string(), scene.warnings);
    frame.timestamp = static_cast<double>(std::stoll(name)) / kScanNetFps;
    scene.frames.push_back(std::move(frame));
  }
  checkImageSizes(scene);

  attachScanNetExtras(scene, folderName, progress);
  return scene;
}

void attachScanNetExtras(Scene& scene, const std::string& folderName,
                         const LoadProgress& progress) {
  const fs::path folder(folderName);
  const fs::path mesh = findMesh(folder, scene.name);
  if (!mesh.empty()) {
    try {
      PlyReadOptions options;
      options.progress = progress;
      scene.cloud = std::make_shared<PointCloud>(readPly(mesh.string(), options));
      loadInstances(scene, mesh);
    } catch (const InputError& e) {
      scene.warnings.push_back(std::string(e.what()) + "; scene has no point cloud");
    }
  }
  const fs::path tracks = findTracks(folder);
  if (!tracks.empty()) {
    try {
      scene.tracks = parseTracks(readJsonFile(tracks.string()).at("tracks"), scene.frames.size(),
                                 tracks.string());
    } catch (const std::exception& e) {
      scene.warnings.push_back(std::string(e.what()) + "; tracks skipped");
    }
  }
}

}  // namespace mspa::loaders
