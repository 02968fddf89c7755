#include "render/scene_actors.h"

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkSphereSource.h>
#include <vtkTexture.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>

namespace mspa::render {
namespace {

// Collects points and line segments, then becomes a coloured line actor.
class LineSet {
 public:
  vtkIdType add(const Eigen::Vector3d& p) { return points_->InsertNextPoint(p.x(), p.y(), p.z()); }
  void segment(vtkIdType a, vtkIdType b) {
    const vtkIdType ids[2] = {a, b};
    lines_->InsertNextCell(2, ids);
  }
  void polyline(const std::vector<vtkIdType>& ids) {
    if (ids.size() >= 2) lines_->InsertNextCell(static_cast<vtkIdType>(ids.size()), ids.data());
  }
  vtkSmartPointer<vtkActor> actor(Color color, double width) const {
    auto data = vtkSmartPointer<vtkPolyData>::New();
    data->SetPoints(points_);
    data->SetLines(lines_);
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputData(data);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetColor(color.data());
    actor->GetProperty()->SetLineWidth(static_cast<float>(width));
    actor->GetProperty()->LightingOff();
    return actor;
  }

 private:
  vtkSmartPointer<vtkPoints> points_ = vtkSmartPointer<vtkPoints>::New();
  vtkSmartPointer<vtkCellArray> lines_ = vtkSmartPointer<vtkCellArray>::New();
};

// World positions of the image corners at `depth` (top-left, top-right, bottom-right, bottom-left).
std::array<Eigen::Vector3d, 4> farCorners(const Frame& frame, double depth) {
  const Intrinsics& k = *frame.intrinsics;
  const double w = k.width - 0.5, h = k.height - 0.5;
  std::array<Eigen::Vector3d, 4> corners;
  const Eigen::Vector2d pixels[4] = {{-0.5, -0.5}, {w, -0.5}, {w, h}, {-0.5, h}};
  for (int i = 0; i < 4; ++i) corners[i] = *frame.cameraToWorld * unproject(k, pixels[i], depth);
  return corners;
}

}  // namespace

vtkSmartPointer<vtkActor> makeFrustumsActor(const std::vector<Frame>& frames, double depth,
                                            Color color) {
  LineSet lines;
  for (const auto& frame : frames) {
    if (!frame.hasGeometry() || frame.intrinsics->width <= 0) continue;
    const vtkIdType apex = lines.add(frame.cameraToWorld->translation());
    std::array<vtkIdType, 4> ids;
    const auto corners = farCorners(frame, depth);
    for (int i = 0; i < 4; ++i) ids[i] = lines.add(corners[i]);
    for (int i = 0; i < 4; ++i) {
      lines.segment(apex, ids[i]);
      lines.segment(ids[i], ids[(i + 1) % 4]);
    }
  }
  return lines.actor(color, 1.5);
}

vtkSmartPointer<vtkActor> makeImagePlaneActor(const Frame& frame, const RgbImage& image,
                                              double depth) {
  const auto corners = farCorners(frame, depth);
  auto points = vtkSmartPointer<vtkPoints>::New();
  for (const auto& c : corners) points->InsertNextPoint(c.x(), c.y(), c.z());
  auto quad = vtkSmartPointer<vtkCellArray>::New();
  const vtkIdType ids[4] = {0, 1, 2, 3};
  quad->InsertNextCell(4, ids);
  // VTK textures have their origin at the bottom-left: the top corners get t = 1.
  auto uv = vtkSmartPointer<vtkFloatArray>::New();
  uv->SetNumberOfComponents(2);
  const float coords[4][2] = {{0, 1}, {1, 1}, {1, 0}, {0, 0}};
  for (const auto& c : coords) uv->InsertNextTypedTuple(c);
  auto data = vtkSmartPointer<vtkPolyData>::New();
  data->SetPoints(points);
  data->SetPolys(quad);
  data->GetPointData()->SetTCoords(uv);

  auto pixels = vtkSmartPointer<vtkImageData>::New();
  pixels->SetDimensions(image.width, image.height, 1);
  pixels->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* dst = static_cast<std::uint8_t*>(pixels->GetScalarPointer());
  for (int y = 0; y < image.height; ++y) {
    std::copy_n(image.at(0, image.height - 1 - y), image.width * 3,
                dst + static_cast<std::size_t>(y) * image.width * 3);
  }
  auto texture = vtkSmartPointer<vtkTexture>::New();
  texture->SetInputData(pixels);
  texture->InterpolateOn();
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(data);
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->SetTexture(texture);
  actor->GetProperty()->LightingOff();
  return actor;
}

vtkSmartPointer<vtkActor> makeTrajectoryActor(const std::vector<Frame>& frames, Color color) {
  LineSet lines;
  std::vector<vtkIdType> ids;
  for (const auto& frame : frames) {
    if (frame.cameraToWorld) ids.push_back(lines.add(frame.cameraToWorld->translation()));
  }
  lines.polyline(ids);
  return lines.actor(color, 2.5);
}

vtkSmartPointer<vtkActor> makeTracksActor(const std::vector<PointTrack>& tracks, Color color) {
  LineSet lines;
  for (const auto& track : tracks) {
    std::vector<vtkIdType> ids;
    for (const auto& p : track.positions) ids.push_back(lines.add(p));
    lines.polyline(ids);
  }
  return lines.actor(color, 1.5);
}

vtkSmartPointer<vtkActor> makeTrackPointsActor(const std::vector<PointTrack>& tracks, int frame,
                                               Color visible, Color hidden, double pointSize) {
  auto points = vtkSmartPointer<vtkPoints>::New();
  auto verts = vtkSmartPointer<vtkCellArray>::New();
  auto colors = vtkSmartPointer<vtkUnsignedCharArray>::New();
  colors->SetNumberOfComponents(3);
  for (const auto& track : tracks) {
    if (frame < 0 || frame >= static_cast<int>(track.positions.size())) continue;
    const auto& p = track.positions[frame];
    const vtkIdType id = points->InsertNextPoint(p.x(), p.y(), p.z());
    verts->InsertNextCell(1, &id);
    const Color& c = track.visible[frame] ? visible : hidden;
    const unsigned char rgb[3] = {static_cast<unsigned char>(c[0] * 255),
                                  static_cast<unsigned char>(c[1] * 255),
                                  static_cast<unsigned char>(c[2] * 255)};
    colors->InsertNextTypedTuple(rgb);
  }
  auto data = vtkSmartPointer<vtkPolyData>::New();
  data->SetPoints(points);
  data->SetVerts(verts);
  data->GetPointData()->SetScalars(colors);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(data);
  mapper->SetColorModeToDirectScalars();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetPointSize(static_cast<float>(pointSize));
  actor->GetProperty()->SetRenderPointsAsSpheres(true);
  actor->GetProperty()->LightingOff();
  return actor;
}

vtkSmartPointer<vtkActor> makeBoxesActor(const std::vector<ObjectInstance>& instances,
                                         Color color) {
  LineSet lines;
  for (const auto& instance : instances) {
    const Eigen::Vector3d lo = instance.box.min.cast<double>(),
                          hi = instance.box.max.cast<double>();
    vtkIdType ids[8];
    for (int c = 0; c < 8; ++c) {
      ids[c] = lines.add(
          {(c & 1) ? hi.x() : lo.x(), (c & 2) ? hi.y() : lo.y(), (c & 4) ? hi.z() : lo.z()});
    }
    // Corners differing in exactly one bit share an edge.
    for (int a = 0; a < 8; ++a) {
      for (int bit : {1, 2, 4}) {
        if (!(a & bit)) lines.segment(ids[a], ids[a | bit]);
      }
    }
  }
  return lines.actor(color, 2.0);
}

vtkSmartPointer<vtkActor> makeGroundGridActor(const Bounds& extent, double spacing, Color color) {
  LineSet lines;
  const double x0 = std::floor(extent.min.x() / spacing) * spacing,
               x1 = std::ceil(extent.max.x() / spacing) * spacing;
  const double y0 = std::floor(extent.min.y() / spacing) * spacing,
               y1 = std::ceil(extent.max.y() / spacing) * spacing;
  for (double x = x0; x <= x1 + 1e-9; x += spacing)
    lines.segment(lines.add({x, y0, 0}), lines.add({x, y1, 0}));
  for (double y = y0; y <= y1 + 1e-9; y += spacing)
    lines.segment(lines.add({x0, y, 0}), lines.add({x1, y, 0}));
  auto actor = lines.actor(color, 1.0);
  actor->GetProperty()->SetOpacity(0.5);
  return actor;
}

vtkSmartPointer<vtkActor> makeAxesActor(double length) {
  LineSet lines;
  const vtkIdType origin = lines.add(Eigen::Vector3d::Zero());
  for (int axis = 0; axis < 3; ++axis)
    lines.segment(origin, lines.add(length * Eigen::Vector3d::Unit(axis)));
  auto actor = lines.actor({1, 1, 1}, 4.0);
  auto colors = vtkSmartPointer<vtkUnsignedCharArray>::New();
  colors->SetNumberOfComponents(3);
  const unsigned char rgb[3][3] = {{230, 50, 50}, {50, 200, 60}, {60, 110, 240}};
  for (const auto& c : rgb) colors->InsertNextTypedTuple(c);
  auto* data = vtkPolyData::SafeDownCast(actor->GetMapper()->GetInput());
  data->GetCellData()->SetScalars(colors);
  auto* mapper = vtkPolyDataMapper::SafeDownCast(actor->GetMapper());
  mapper->SetScalarModeToUseCellData();
  mapper->SetColorModeToDirectScalars();
  return actor;
}

vtkSmartPointer<vtkActor> makeSphereActor(const Eigen::Vector3d& centre, double radius,
                                          Color color) {
  auto sphere = vtkSmartPointer<vtkSphereSource>::New();
  sphere->SetCenter(centre.x(), centre.y(), centre.z());
  sphere->SetRadius(radius);
  sphere->SetThetaResolution(16);
  sphere->SetPhiResolution(12);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputConnection(sphere->GetOutputPort());
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(color.data());
  return actor;
}

vtkSmartPointer<vtkActor> makeLineActor(const Eigen::Vector3d& from, const Eigen::Vector3d& to,
                                        Color color, double width) {
  LineSet lines;
  lines.segment(lines.add(from), lines.add(to));
  return lines.actor(color, width);
}

}  // namespace mspa::render
