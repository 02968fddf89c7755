#include "render/demo_scene_writer.h"

#include <vtkCamera.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include "core/demo_room.h"
#include "core/geometry.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "core/ply_writer.h"
#include "core/scene_loaders.h"
#include "render/offscreen_render.h"
#include "render/point_cloud_actor.h"

namespace fs = std::filesystem;

namespace mspa::render {
namespace {

constexpr double kNear = 0.05, kFar = 30.0;

// The mesh in its vertex colours, lit so that faces at different angles shade differently.
vtkSmartPointer<vtkActor> meshActor(const PointCloud& mesh) {
  auto actor = makePointCloudActor(std::make_shared<PointCloud>(mesh));
  actor->GetProperty()->LightingOn();
  actor->GetProperty()->SetAmbient(0.55);
  actor->GetProperty()->SetDiffuse(0.45);
  return actor;
}

// Places VTK's camera exactly where the pinhole camera is: same centre, axes and vertical field of
// view (the principal point is at the image centre, as the demo intrinsics have it).
void placeCamera(vtkCamera* camera, const Intrinsics& k, const Pose& pose) {
  const Eigen::Vector3d eye = pose.translation();
  const Eigen::Vector3d focal = eye + pose.linear().col(2);
  const Eigen::Vector3d up = -pose.linear().col(1);
  camera->SetPosition(eye.data());
  camera->SetFocalPoint(focal.data());
  camera->SetViewUp(up.data());
  camera->SetViewAngle(2.0 * std::atan(k.height / 2.0 / k.fy) * 180.0 / M_PI);
  camera->SetClippingRange(kNear, kFar);
}

DepthImage grabDepth(vtkRenderWindow* window, int width, int height) {
  const auto zbuffer = readWindow(window, WindowBuffer::Depth);
  const auto* z = static_cast<const float*>(zbuffer->GetScalarPointer());
  DepthImage depth{width, height, std::vector<float>(static_cast<std::size_t>(width) * height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double d = z[static_cast<std::size_t>(height - 1 - y) * width + x];
      // Window depth back to eye-space distance along the optical axis.
      const double ndc = 2.0 * d - 1.0;
      const double eye = 2.0 * kNear * kFar / (kFar + kNear - ndc * (kFar - kNear));
      depth.metres[static_cast<std::size_t>(y) * width + x] =
          d >= 1.0 ? 0.f : static_cast<float>(eye);
    }
  }
  return depth;
}

void writeMatrix(const fs::path& path, const Eigen::Matrix4d& m) {
  std::ofstream out(path);
  out << std::setprecision(9);
  for (int r = 0; r < 4; ++r)
    out << m(r, 0) << ' ' << m(r, 1) << ' ' << m(r, 2) << ' ' << m(r, 3) << '\n';
  if (!out) throw InputError(path.string(), "cannot write");
}

// The static mesh with one ScanNet segment per object, and the aggregation that names them.
void writeMeshAndInstances(const fs::path& folder, const DemoRoom& room) {
  PointCloud mesh;
  nlohmann::json segIndices = nlohmann::json::array();
  nlohmann::json segGroups = nlohmann::json::array();
  for (const auto& object : room.staticObjects) {
    const auto base = static_cast<std::uint32_t>(mesh.size());
    mesh.positions.insert(mesh.positions.end(), object.mesh.positions.begin(),
                          object.mesh.positions.end());
    mesh.colors.insert(mesh.colors.end(), object.mesh.colors.begin(), object.mesh.colors.end());
    for (const auto& t : object.mesh.triangles)
      mesh.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
    for (std::size_t i = 0; i < object.mesh.size(); ++i) segIndices.push_back(object.id);
    segGroups.push_back({{"id", object.id},
                         {"objectId", object.id},
                         {"label", object.label},
                         {"segments", {object.id}}});
  }
  writePly((folder / "demo_vh_clean_2.ply").string(), mesh);
  writeJsonFile((folder / "demo_vh_clean_2.0.010000.segs.json").string(),
                {{"segIndices", segIndices}});
  writeJsonFile((folder / "demo.aggregation.json").string(),
                {{"sceneId", "demo"}, {"segGroups", segGroups}});
}

}  // namespace

void writeDemoScene(const std::string& folderName, const DemoSceneOptions& options) {
  const fs::path folder(folderName);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw InputError(folderName, "cannot create the folder: " + error.message());
  const DemoRoom room = makeDemo(options.kind);
  const Intrinsics& k = room.intrinsics;

  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  renderer->SetBackground(0, 0, 0);
  for (const auto& object : room.staticObjects) renderer->AddActor(meshActor(object.mesh));
  std::vector<vtkSmartPointer<vtkActor>> moving{meshActor(room.movingObject.mesh)};
  if (room.pusher) moving.push_back(meshActor(room.pusher->mesh));
  for (const auto& actor : moving) renderer->AddActor(actor);
  auto window = vtkSmartPointer<vtkRenderWindow>::New();
  window->SetOffScreenRendering(1);
  window->SetMultiSamples(0);
  window->SetSize(k.width, k.height);
  window->AddRenderer(renderer);

  Eigen::Matrix4d intrinsic = Eigen::Matrix4d::Identity();
  intrinsic(0, 0) = k.fx;
  intrinsic(1, 1) = k.fy;
  intrinsic(0, 2) = k.cx;
  intrinsic(1, 2) = k.cy;
  writeMatrix(folder / "intrinsic.txt", intrinsic);
  writeMeshAndInstances(folder, room);

  const auto seeds = room.trackSeeds(options.tracks);
  std::vector<PointTrack> tracks(seeds.size());
  for (auto& track : tracks) track.label = room.movingObject.label;
  for (int f = 0; f < options.frames; ++f) {
    const double t = options.frames > 1 ? static_cast<double>(f) / (options.frames - 1) : 0.0;
    const Pose pose = room.cameraAt(t);
    const Eigen::Vector3d offset = room.movingOffset(t);
    for (const auto& actor : moving) actor->SetPosition(offset.x(), offset.y(), offset.z());
    placeCamera(renderer->GetActiveCamera(), k, pose);
    window->Render();
    const RgbImage color = readWindowColor(window);
    const DepthImage depth = grabDepth(window, k.width, k.height);

    std::ostringstream name;
    name << std::setw(5) << std::setfill('0') << f * 5;
    writeJpeg((folder / (name.str() + ".jpg")).string(), color, 95);
    writeDepthPng((folder / (name.str() + ".png")).string(), depth);
    writeMatrix(folder / (name.str() + ".txt"), pose.matrix());
    for (std::size_t n = 0; n < seeds.size(); ++n) {
      const Eigen::Vector3d p = seeds[n] + offset;
      tracks[n].positions.push_back(p);
      // Against the exact float depth, before millimetre rounding.
      tracks[n].visible.push_back(visibility(p, k, pose, &depth, 0.01) == Visibility::Visible);
    }
    if (options.progress && !options.progress(static_cast<double>(f + 1) / options.frames))
      throw Cancelled();
  }
  window->Finalize();
  writeJsonFile((folder / "demo_tracks.json").string(),
                {{"tracks", loaders::tracksToJson(tracks)}});
}

}  // namespace mspa::render
