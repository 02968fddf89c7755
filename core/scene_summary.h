#pragma once

#include <string>

#include "core/scene.h"

namespace mspa {

// A human-readable description of a loaded scene (what `mspa scene info` prints): frames,
// resolution, depth coverage, poses, cloud, instances, tracks, and every loading problem.
// Depth coverage decodes up to `depthSamples` depth maps spread over the sequence.
std::string describeScene(const Scene& scene, int depthSamples = 8);

}  // namespace mspa
