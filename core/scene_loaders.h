#pragma once

// The per-format scene loaders behind loadScene, and the pieces they share.

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/scene.h"

namespace mspa::loaders {

Scene loadScanNetFolder(const std::string& folder, const LoadProgress& progress);
Scene loadManifest(const std::string& path, const LoadProgress& progress);
Scene loadTapVid3d(const std::string& path);
Scene loadImageFolder(const std::string& folder);
Scene loadVideo(const std::string& path);

// True when a folder holds ScanNet posed frames ({frame}.jpg with {frame}.txt poses or an
// intrinsic.txt).
bool looksLikeScanNet(const std::string& folder);

// A 4x4 camera-to-world matrix from a whitespace-separated text file. Returns nullopt and adds a
// warning when the file is missing, malformed, non-finite or not a rigid transform.
std::optional<Pose> readPoseFile(const std::string& path, std::vector<std::string>& warnings);
// The same checks for a matrix from elsewhere; `what` names it in the warning.
std::optional<Pose> validatePose(const Eigen::Matrix4d& m, const std::string& what,
                                 std::vector<std::string>& warnings);

// Tracks in the project's JSON form: [{"label", "positions": [[x,y,z]...], "visible": [...]}].
std::vector<PointTrack> parseTracks(const nlohmann::json& tracks, std::size_t frameCount,
                                    const std::string& source);
nlohmann::json tracksToJson(const std::vector<PointTrack>& tracks);

// Checks every frame's image size against its intrinsics (reading only file headers) and turns
// disagreements into warnings; fills missing intrinsics' size.
void checkImageSizes(Scene& scene);

}  // namespace mspa::loaders
