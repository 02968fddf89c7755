#pragma once

#include <vtkActor.h>
#include <vtkSmartPointer.h>

#include <memory>

#include "core/point_cloud.h"

namespace mspa::render {

// An actor drawing every point of `cloud` as a vertex, in its own colours, or coloured by height
// when it has none. The VTK arrays alias the cloud's memory, so the cloud must outlive the actor;
// the returned actor keeps a reference to it for that reason.
vtkSmartPointer<vtkActor> makePointCloudActor(std::shared_ptr<const PointCloud> cloud, float pointSize = 2.0f);

}  // namespace mspa::render
