#include <filesystem>

#include "core/input_error.h"
#include "core/npz.h"
#include "core/scene_loaders.h"

namespace mspa::loaders {
namespace {

const NpyArray& require(const std::map<std::string, NpyArray>& arrays, const std::string& key,
                        const std::string& path) {
  const auto it = arrays.find(key);
  if (it == arrays.end()) throw InputError(path, "TAPVid-3D file has no '" + key + "' array");
  return it->second;
}

void requireShape(const NpyArray& array, std::vector<std::size_t> shape, const std::string& what,
                  const std::string& path) {
  if (!array.isNumeric())
    throw InputError(path, what + " has dtype " + array.dtype + ", not numbers");
  if (array.shape != shape) {
    std::string expected, got;
    for (auto d : shape) expected += std::to_string(d) + " ";
    for (auto d : array.shape) got += std::to_string(d) + " ";
    throw InputError(path, what + " has shape [ " + got + "], expected [ " + expected + "]");
  }
}

Eigen::Matrix4d matrixAt(const NpyArray& m, std::size_t first) {
  Eigen::Matrix4d out;
  for (int i = 0; i < 16; ++i) out(i / 4, i % 4) = m.number(first + static_cast<std::size_t>(i));
  return out;
}

}  // namespace

Scene loadTapVid3d(const std::string& path) {
  const auto arrays = readNpz(path);
  Scene scene;
  scene.kind = "tapvid3d";
  scene.source = path;
  scene.name = std::filesystem::path(path).stem().string();

  const NpyArray& images = require(arrays, "images_jpeg_bytes", path);
  if (images.shape.size() != 1 || images.dtype.empty() || images.dtype[0] != 'S') {
    throw InputError(path, "images_jpeg_bytes must be a 1-D array of bytes");
  }
  const std::size_t frameCount = images.shape[0];
  const NpyArray& tracks = require(arrays, "tracks_XYZ", path);
  const NpyArray& visibility = require(arrays, "visibility", path);
  const NpyArray& intrinsics = require(arrays, "fx_fy_cx_cy", path);
  if (tracks.shape.size() != 3) throw InputError(path, "tracks_XYZ must be [frames, points, 3]");
  const std::size_t pointCount = tracks.shape[1];
  requireShape(tracks, {frameCount, pointCount, 3}, "tracks_XYZ", path);
  requireShape(visibility, {frameCount, pointCount}, "visibility", path);
  requireShape(intrinsics, {4}, "fx_fy_cx_cy", path);

  Intrinsics k{
      intrinsics.number(0), intrinsics.number(1), intrinsics.number(2), intrinsics.number(3), 0, 0};
  for (std::size_t t = 0; t < frameCount; ++t) {
    Frame frame;
    frame.name = std::to_string(t);
    frame.encodedImage = std::make_shared<const std::vector<std::uint8_t>>(images.bytes(t));
    frame.timestamp = static_cast<double>(t);
    scene.frames.push_back(std::move(frame));
  }
  // TAPVid-3D has one camera for the whole clip: the size of its first decodable image.
  for (const auto& frame : scene.frames) {
    try {
      const RgbImage first = loadColor(scene, frame);
      k.width = first.width;
      k.height = first.height;
      break;
    } catch (const InputError& e) {
      scene.warnings.push_back(e.what());
    }
  }

  const auto extrinsics = arrays.find("extrinsics_w2c");
  std::vector<Pose> cameraToWorld(frameCount, Pose::Identity());
  if (extrinsics == arrays.end()) {
    scene.warnings.push_back(path +
                             ": no extrinsics_w2c; the camera is taken as static at the origin");
  } else {
    const bool perFrame = extrinsics->second.shape == std::vector<std::size_t>{frameCount, 4, 4};
    requireShape(
        extrinsics->second,
        perFrame ? std::vector<std::size_t>{frameCount, 4, 4} : std::vector<std::size_t>{4, 4},
        "extrinsics_w2c", path);
    for (std::size_t t = 0; t < frameCount; ++t) {
      const auto w2c = validatePose(matrixAt(extrinsics->second, perFrame ? t * 16 : 0),
                                    path + " frame " + std::to_string(t), scene.warnings);
      if (w2c) {
        cameraToWorld[t] = w2c->inverse();
        scene.frames[t].cameraToWorld = cameraToWorld[t];
      }
    }
  }
  for (auto& frame : scene.frames) {
    if (k.width > 0) frame.intrinsics = k;
  }

  scene.tracks.resize(pointCount);
  for (std::size_t n = 0; n < pointCount; ++n) {
    PointTrack& track = scene.tracks[n];
    track.label = "point " + std::to_string(n);
    for (std::size_t t = 0; t < frameCount; ++t) {
      const std::size_t at = (t * pointCount + n) * 3;
      const Eigen::Vector3d camera(tracks.number(at), tracks.number(at + 1), tracks.number(at + 2));
      track.positions.push_back(cameraToWorld[t] * camera);
      track.visible.push_back(visibility.number(t * pointCount + n) != 0);
    }
  }
  return scene;
}

}  // namespace mspa::loaders
