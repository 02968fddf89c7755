#pragma once

#include <cstddef>
#include <cstdint>

#include "core/point_cloud.h"

namespace mspa {

// A procedural coloured room (floor, walls, furniture-like boxes, a sphere) sampled uniformly over
// its surfaces. Deterministic for a given seed; used as demo content and as test data.
PointCloud makeDemoCloud(std::size_t pointCount, std::uint32_t seed = 7);

}  // namespace mspa
