#include "core/point_cloud.h"

#include <limits>

namespace mspa {

Bounds PointCloud::bounds() const {
  Eigen::Vector3f lo = Eigen::Vector3f::Constant(std::numeric_limits<float>::infinity());
  Eigen::Vector3f hi = -lo;
  for (const auto& p : positions) {
    if (!p.allFinite()) continue;
    lo = lo.cwiseMin(p);
    hi = hi.cwiseMax(p);
  }
  if (!lo.allFinite()) return {};
  return {lo, hi};
}

}  // namespace mspa
