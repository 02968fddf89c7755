#pragma once

// The per-format scene loaders behind loadScene, and the pieces they share.

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/scene.h"

namespace mspa::loaders {

Scene loadScanNetFolder(const std::string& folder, const LoadProgress& progress);
// A ScanNet .sens stream (core/sens_stream.h) and the folder ScanNet's SensReader exports from one
// (color/N.jpg, depth/N.png, pose/N.txt, intrinsic/intrinsic_{color,depth}.txt).
Scene loadSens(const std::string& path, const LoadProgress& progress);
Scene loadSensReaderExport(const std::string& folder, const LoadProgress& progress);
bool looksLikeSensReaderExport(const std::string& folder);
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

// Pinhole intrinsics from a 4x4 camera matrix (ScanNet's intrinsic*.txt, a .sens header); the
// image size is left 0 for the caller. Nullopt with a warning when it is not a camera's.
std::optional<Intrinsics> intrinsicsFromMatrix(const Eigen::Matrix4d& m, const std::string& what,
                                               std::vector<std::string>& warnings);
// The 4x4 camera matrix of intrinsics, as ScanNet writes it (intrinsic.txt, a .sens header).
Eigen::Matrix4d cameraMatrix(const Intrinsics& k);
// The same from a text file of 16 numbers; a missing file is a warning too.
std::optional<Intrinsics> readIntrinsicsFile(const std::string& path,
                                             std::vector<std::string>& warnings);
// ScanNet names frames by their capture index: digits only.
bool isFrameNumber(const std::string& name);
// The name MultiSPA's posed images give frame `index`: {index:05d}.
std::string posedFrameName(std::size_t index);

// Tracks in the project's JSON form: [{"label", "positions": [[x,y,z]...], "visible": [...]}].
std::vector<PointTrack> parseTracks(const nlohmann::json& tracks, std::size_t frameCount,
                                    const std::string& source);
nlohmann::json tracksToJson(const std::vector<PointTrack>& tracks);

// What ScanNet keeps beside a scan's frames, attached to the scene: the mesh `*_vh_clean_2.ply`
// (in `folder`, or in scans/<scene>/ beside posed_images/<scene>/) with its instances
// (`*.aggregation.json` + `*_vh_clean_2.0.010000.segs.json`), and the project's `*_tracks.json`.
// Problems become warnings.
void attachScanNetExtras(Scene& scene, const std::string& folder, const LoadProgress& progress);

// Frames' timestamps where the data has none: ScanNet records at 30 frames per second.
constexpr double kScanNetFps = 30.0;

// Checks every frame's image size against its intrinsics (reading only file headers) and turns
// disagreements into warnings; fills missing intrinsics' size.
void checkImageSizes(Scene& scene);

}  // namespace mspa::loaders
