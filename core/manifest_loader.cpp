#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/ply_reader.h"
#include "core/scene_loaders.h"

namespace fs = std::filesystem;

namespace mspa::loaders {
namespace {

Intrinsics parseIntrinsics(const nlohmann::json& j, const std::string& source) {
  return {j.at("fx").get<double>(),
          j.at("fy").get<double>(),
          j.at("cx").get<double>(),
          j.at("cy").get<double>(),
          jsonInteger(j, "width", 0, 0, 1 << 20, source),
          jsonInteger(j, "height", 0, 0, 1 << 20, source)};
}

Eigen::Vector3f parseVector3(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  const auto isFloat = [](double d) {
    return !std::isfinite(d) || std::abs(d) <= std::numeric_limits<float>::max();
  };
  if (v.size() != 3 || !std::all_of(v.begin(), v.end(), isFloat)) {
    throw nlohmann::json::other_error::create(501, "expected [x, y, z] numbers", &j);
  }
  return Eigen::Vector3d(v[0], v[1], v[2]).cast<float>();
}

std::string resolve(const fs::path& base, const std::string& relative) {
  return relative.empty() ? std::string() : (base / relative).lexically_normal().string();
}

Frame parseFrame(const nlohmann::json& j, std::size_t index, const fs::path& base,
                 const nlohmann::json& manifest, std::vector<std::string>& warnings,
                 const std::string& source) {
  Frame frame;
  frame.name = j.value("name", std::to_string(index));
  frame.imagePath = resolve(base, j.at("image").get<std::string>());
  frame.depthPath = resolve(base, j.value("depth", ""));
  frame.depthUnit = j.value("depth_unit", manifest.value("depth_unit", 0.001));
  if (j.contains("intrinsics")) {
    frame.intrinsics = parseIntrinsics(j["intrinsics"], source);
  } else if (manifest.contains("intrinsics")) {
    frame.intrinsics = parseIntrinsics(manifest["intrinsics"], source);
  }
  if (j.contains("camera_to_world")) {
    const auto rows = j["camera_to_world"].get<std::vector<std::vector<double>>>();
    Eigen::Matrix4d m = Eigen::Matrix4d::Constant(std::nan(""));
    if (rows.size() == 4) {
      for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 4 && c < static_cast<int>(rows[r].size()); ++c) m(r, c) = rows[r][c];
      }
    }
    frame.cameraToWorld = validatePose(m, "frame " + frame.name, warnings);
  }
  frame.timestamp = j.value("timestamp", static_cast<double>(index));
  if (!frame.depthPath.empty() && !fs::exists(frame.depthPath)) {
    warnings.push_back(frame.depthPath + ": missing; frame has no depth");
    frame.depthPath.clear();
  }
  return frame;
}

}  // namespace

Scene loadManifest(const std::string& path, const LoadProgress& progress) {
  const nlohmann::json manifest = readJsonFile(path);
  const fs::path base = fs::path(path).parent_path();
  Scene scene;
  scene.kind = "manifest";
  scene.source = path;
  try {
    if (!manifest.is_object() || !manifest.contains("frames") || !manifest["frames"].is_array()) {
      throw InputError(path, "not a scene manifest: needs a \"frames\" array");
    }
    scene.name = manifest.value("name", fs::path(path).stem().string());
    for (std::size_t i = 0; i < manifest["frames"].size(); ++i) {
      scene.frames.push_back(
          parseFrame(manifest["frames"][i], i, base, manifest, scene.warnings, path));
    }
    for (const auto& j : manifest.value("instances", nlohmann::json::array())) {
      ObjectInstance instance;
      instance.id = jsonInteger(j, "id", 0, std::numeric_limits<int>::min(),
                                std::numeric_limits<int>::max(), path);
      instance.label = j.value("label", "");
      instance.box = {parseVector3(j.at("box_min")), parseVector3(j.at("box_max"))};
      scene.instances.push_back(std::move(instance));
    }
    if (manifest.contains("tracks"))
      scene.tracks = parseTracks(manifest["tracks"], scene.frames.size(), path);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("malformed manifest: ") + e.what());
  }
  if (manifest.contains("point_cloud")) {
    if (!manifest["point_cloud"].is_string())
      throw InputError(
          path, "\"point_cloud\" must be a file name, not " + manifest["point_cloud"].dump());
    const std::string cloud = resolve(base, manifest["point_cloud"].get<std::string>());
    try {
      PlyReadOptions options;
      options.progress = progress;
      scene.cloud = std::make_shared<PointCloud>(readPly(cloud, options));
    } catch (const InputError& e) {
      scene.warnings.push_back(std::string(e.what()) + "; scene has no point cloud");
    }
  }
  checkImageSizes(scene);
  return scene;
}

}  // namespace mspa::loaders
