#include "render/point_cloud_actor.h"

#include <vtkCellArray.h>
#include <vtkCommand.h>
#include <vtkFloatArray.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkTypeInt32Array.h>
#include <vtkUnsignedCharArray.h>

#include <cmath>
#include <limits>
#include <numeric>

namespace mspa::render {
namespace {

// Keeps the cloud alive for as long as the actor is: the arrays below point into it.
class CloudOwner : public vtkCommand {
 public:
  static CloudOwner* New() { return new CloudOwner; }
  void Execute(vtkObject*, unsigned long, void*) override {}
  std::shared_ptr<const PointCloud> cloud;
};

template <typename VtkArray, typename T>
vtkSmartPointer<VtkArray> aliasArray(const T* data, std::size_t tuples, int components) {
  auto array = vtkSmartPointer<VtkArray>::New();
  array->SetNumberOfComponents(components);
  // save = 1: VTK must not free memory owned by the PointCloud.
  array->SetArray(const_cast<T*>(data), static_cast<vtkIdType>(tuples * components), 1);
  return array;
}

vtkSmartPointer<vtkCellArray> vertexCells(std::size_t count) {
  auto offsets = vtkSmartPointer<vtkTypeInt32Array>::New();
  auto connectivity = vtkSmartPointer<vtkTypeInt32Array>::New();
  offsets->SetNumberOfValues(static_cast<vtkIdType>(count + 1));
  connectivity->SetNumberOfValues(static_cast<vtkIdType>(count));
  std::iota(offsets->GetPointer(0), offsets->GetPointer(0) + count + 1, 0);
  std::iota(connectivity->GetPointer(0), connectivity->GetPointer(0) + count, 0);
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->SetData(offsets, connectivity);
  return cells;
}

vtkSmartPointer<vtkCellArray> triangleCells(const std::vector<Triangle>& triangles) {
  auto offsets = vtkSmartPointer<vtkTypeInt32Array>::New();
  auto connectivity = vtkSmartPointer<vtkTypeInt32Array>::New();
  offsets->SetNumberOfValues(static_cast<vtkIdType>(triangles.size() + 1));
  connectivity->SetNumberOfValues(static_cast<vtkIdType>(triangles.size() * 3));
  for (std::size_t i = 0; i <= triangles.size(); ++i)
    offsets->SetValue(static_cast<vtkIdType>(i), static_cast<int>(3 * i));
  auto* out = connectivity->GetPointer(0);
  for (const auto& t : triangles) {
    for (auto v : t) *out++ = static_cast<std::int32_t>(v);
  }
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->SetData(offsets, connectivity);
  return cells;
}

// A scalar per point shown through a rainbow lookup table; NaN (no value) shows grey.
void colorByScalar(vtkPolyData* polyData, vtkPolyDataMapper* mapper,
                   const std::vector<float>& values, const char* name) {
  auto scalars = vtkSmartPointer<vtkFloatArray>::New();
  scalars->SetName(name);
  scalars->SetNumberOfValues(static_cast<vtkIdType>(values.size()));
  std::copy(values.begin(), values.end(), scalars->GetPointer(0));
  polyData->GetPointData()->SetScalars(scalars);
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (float v : values) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!(lo < hi)) lo = 0, hi = 1;
  mapper->SetScalarRange(lo, hi);
  auto lut = vtkSmartPointer<vtkLookupTable>::New();
  lut->SetHueRange(0.667, 0.0);
  lut->SetNanColor(0.5, 0.5, 0.5, 1.0);
  lut->Build();
  mapper->SetLookupTable(lut);
  mapper->SetColorModeToMapScalars();
}

std::vector<float> heights(const PointCloud& cloud) {
  std::vector<float> values(cloud.size());
  for (std::size_t i = 0; i < cloud.size(); ++i) values[i] = cloud.positions[i].z();
  return values;
}

std::vector<float> depths(const PointCloud& cloud, const Pose& viewer) {
  const Eigen::Matrix4f worldToCamera = viewer.inverse().matrix().cast<float>();
  std::vector<float> values(cloud.size());
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const float z = worldToCamera.row(2).head<3>().dot(cloud.positions[i]) + worldToCamera(2, 3);
    values[i] = z > 0 ? z : std::numeric_limits<float>::quiet_NaN();
  }
  return values;
}

}  // namespace

vtkSmartPointer<vtkActor> makePointCloudActor(std::shared_ptr<const PointCloud> cloud,
                                              const CloudStyle& style) {
  static_assert(sizeof(Eigen::Vector3f) == 3 * sizeof(float), "positions must be packed");
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetData(aliasArray<vtkFloatArray>(cloud->positions.data()->data(), cloud->size(), 3));
  auto polyData = vtkSmartPointer<vtkPolyData>::New();
  polyData->SetPoints(points);
  // A mesh (ScanNet's scene reconstruction) shows as its surface, a bare cloud as points.
  if (cloud->triangles.empty()) {
    polyData->SetVerts(vertexCells(cloud->size()));
  } else {
    polyData->SetPolys(triangleCells(cloud->triangles));
  }

  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(polyData);
  if (style.coloring == CloudColoring::Depth && style.viewer) {
    colorByScalar(polyData, mapper, depths(*cloud, *style.viewer), "depth");
  } else if (style.coloring == CloudColoring::Rgb && cloud->hasColors()) {
    auto colors = aliasArray<vtkUnsignedCharArray>(cloud->colors.data()->data(), cloud->size(), 3);
    colors->SetName("rgb");
    polyData->GetPointData()->SetScalars(colors);
    mapper->SetColorModeToDirectScalars();
  } else {
    colorByScalar(polyData, mapper, heights(*cloud), "height");
  }
  mapper->SetScalarModeToUsePointData();
  mapper->ScalarVisibilityOn();

  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetPointSize(style.pointSize);
  actor->GetProperty()->LightingOff();
  auto owner = vtkSmartPointer<CloudOwner>::New();
  owner->cloud = std::move(cloud);
  actor->AddObserver(vtkCommand::DeleteEvent, owner);
  return actor;
}

}  // namespace mspa::render
