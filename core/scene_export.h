#pragma once

#include <string>

#include "core/scene.h"

namespace mspa {

struct PosedImagesOptions {
  int every = 1;          // every Nth frame
  LoadProgress progress;  // fraction done; returning false cancels (throws Cancelled)
};

struct PosedImagesReport {
  std::string folder;  // OUT/{scene}
  int frames = 0;      // written
  int withoutDepth = 0, withoutPose = 0;
  std::vector<std::string> problems;  // frames whose pixels could not be decoded (skipped)
};

// Writes a scene in the ScanNet posed-images layout MultiSPA's data engine reads
// (posed_images/{scene}/): {frame:05d}.jpg colour (a .sens frame's JPEG bytes as they are stored,
// others encoded), {frame:05d}.png 16-bit depth in mm, {frame:05d}.txt camera-to-world ("-inf"
// where the pose is invalid, as ScanNet writes it), intrinsic.txt (colour) and, when the depth
// camera has intrinsics of its own, intrinsic_depth.txt. A frame whose colour or depth cannot be
// decoded is skipped and reported; a file that cannot be written throws InputError naming it.
PosedImagesReport exportPosedImages(const Scene& scene, const std::string& outDir,
                                    const PosedImagesOptions& options = {});

// A posed scene as a ScanNet .sens stream, recorded the way ScanNet records: colour resized to
// colorWidth x colorHeight (JPEG) with its camera scaled, depth at the scene's own size (zlib, mm)
// with the scene's camera; a frame without a pose gets ScanNet's -inf. For trials, demos and
// tests without a ScanNet download. Throws InputError naming a frame that cannot be read.
void writeSceneAsSens(const Scene& scene, const std::string& path, int colorWidth = 1296,
                      int colorHeight = 968);

}  // namespace mspa
