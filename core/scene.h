#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/image.h"
#include "core/point_cloud.h"

namespace mspa {

class SensStream;

// One frame of a sequence. Pixels are not held: they decode on demand (loadColor / loadDepth) so a
// scene of thousands of frames opens in milliseconds.
struct Frame {
  std::string name;                      // e.g. "00010"
  std::string imagePath;                 // colour image file; empty for frames of a video or an npz
  std::string depthPath;                 // 16-bit PNG; empty when the frame has no depth
  double depthUnit = 0.001;              // metres per depth unit
  std::optional<Intrinsics> intrinsics;  // of the colour image
  std::optional<Pose> cameraToWorld;     // absent when missing or invalid
  double timestamp = 0;                  // seconds
  // In-memory encoded colour (TAPVid-3D stores JPEG bytes) or a video position.
  std::shared_ptr<const std::vector<std::uint8_t>> encodedImage;
  int videoIndex = -1;
  // A frame of a ScanNet .sens stream: colour and depth decode from its blobs, and the depth
  // camera keeps its own intrinsics.
  std::shared_ptr<const SensStream> sens;
  std::size_t sensFrame = 0;
  std::optional<Intrinsics> depthIntrinsics;

  bool hasDepth() const { return !depthPath.empty() || sens != nullptr; }
  bool hasGeometry() const { return intrinsics.has_value() && cameraToWorld.has_value(); }
};

// A 3D point followed over the frames: world position and visibility per frame.
struct PointTrack {
  std::string label;
  std::vector<Eigen::Vector3d> positions;  // one per frame
  std::vector<bool> visible;               // one per frame
};

// An object: its label, world-space axis-aligned box and, when it comes from the scene mesh, the
// indices of its points in the scene cloud.
struct ObjectInstance {
  int id = 0;
  std::string label;
  Bounds box;
  std::vector<std::uint32_t> pointIndices;
};

struct Scene {
  std::string name;
  std::string source;  // the path it was loaded from
  std::string kind;    // "scannet", "scannet-sens", "sensreader", "manifest", "tapvid3d", "images",
                       // "video", "ply"
  std::string videoPath;
  std::vector<Frame> frames;
  std::shared_ptr<PointCloud> cloud;
  std::vector<PointTrack> tracks;
  std::vector<ObjectInstance> instances;
  // What could not be loaded, each "FILE: problem"; the rest of the scene is usable.
  std::vector<std::string> warnings;
};

// Called with the fraction done while a scene loads; returning false cancels (throws Cancelled).
using LoadProgress = std::function<bool(double)>;

// Opens any supported scene: a ScanNet posed-images folder, a ScanNet .sens stream or its
// SensReader export, a scene manifest (.json), a TAPVid-3D .npz, a folder of images, a video
// file, or a .ply. Throws InputError when nothing usable is
// there; problems with single frames become warnings.
Scene loadScene(const std::string& path, const LoadProgress& progress = {});

// Pixels of a frame, decoded now. Throws InputError naming the file.
RgbImage loadColor(const Scene& scene, const Frame& frame);
DepthImage loadDepth(const Frame& frame);

}  // namespace mspa
