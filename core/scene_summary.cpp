#include "core/scene_summary.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/input_error.h"

namespace mspa {
namespace {

std::string resolutions(const Scene& scene) {
  std::map<std::pair<int, int>, int> counts;
  for (const auto& f : scene.frames) {
    if (f.intrinsics && f.intrinsics->width > 0)
      ++counts[{f.intrinsics->width, f.intrinsics->height}];
  }
  if (counts.empty()) return "unknown";
  std::ostringstream out;
  for (const auto& [size, n] : counts) {
    out << (out.tellp() > 0 ? ", " : "") << size.first << "x" << size.second;
    if (counts.size() > 1) out << " (" << n << " frames)";
  }
  return out.str();
}

// Mean fraction of pixels with a depth reading over evenly spaced frames that have depth.
std::string depthCoverage(const Scene& scene, int samples) {
  std::vector<const Frame*> withDepth;
  for (const auto& f : scene.frames) {
    if (f.hasDepth()) withDepth.push_back(&f);
  }
  std::ostringstream out;
  out << withDepth.size() << "/" << scene.frames.size() << " frames";
  if (withDepth.empty() || samples <= 0) return out.str();
  double sum = 0;
  int read = 0;
  const int n = std::min<int>(samples, static_cast<int>(withDepth.size()));
  for (int i = 0; i < n; ++i) {
    try {
      const DepthImage depth =
          loadDepth(*withDepth[static_cast<std::size_t>(i) * withDepth.size() / n]);
      const auto valid =
          std::count_if(depth.metres.begin(), depth.metres.end(), [](float d) { return d > 0; });
      sum += static_cast<double>(valid) / static_cast<double>(depth.metres.size());
      ++read;
    } catch (const InputError&) {
      // Reported among the problems by whoever opens the frame; coverage uses what decodes.
    }
  }
  if (read > 0)
    out << ", " << std::fixed << std::setprecision(1) << 100.0 * sum / read << "% of pixels ("
        << read << " sampled)";
  return out.str();
}

}  // namespace

std::string describeScene(const Scene& scene, int depthSamples) {
  std::ostringstream out;
  out << "scene:      " << scene.name << " (" << scene.kind << ") from " << scene.source << "\n";
  out << "frames:     " << scene.frames.size();
  if (!scene.frames.empty())
    out << " (" << scene.frames.front().name << " .. " << scene.frames.back().name << ")";
  out << "\nresolution: " << resolutions(scene) << "\n";
  out << "depth:      " << depthCoverage(scene, depthSamples) << "\n";
  const auto posed = std::count_if(scene.frames.begin(), scene.frames.end(),
                                   [](const Frame& f) { return f.cameraToWorld.has_value(); });
  out << "poses:      " << posed << "/" << scene.frames.size() << " valid\n";
  const auto k = std::find_if(scene.frames.begin(), scene.frames.end(),
                              [](const Frame& f) { return f.intrinsics.has_value(); });
  if (k != scene.frames.end()) {
    out << std::fixed << std::setprecision(2) << "intrinsics: fx " << k->intrinsics->fx << " fy "
        << k->intrinsics->fy << " cx " << k->intrinsics->cx << " cy " << k->intrinsics->cy << "\n";
  } else {
    out << "intrinsics: none\n";
  }
  if (scene.cloud) {
    out << "cloud:      " << scene.cloud->size() << " points, " << scene.cloud->triangles.size()
        << " triangles" << (scene.cloud->hasColors() ? ", rgb" : "") << "\n";
  } else {
    out << "cloud:      none\n";
  }
  out << "instances:  " << scene.instances.size();
  for (std::size_t i = 0; i < scene.instances.size(); ++i)
    out << (i ? ", " : " (") << scene.instances[i].label;
  out << (scene.instances.empty() ? "" : ")") << "\n";
  std::size_t visible = 0, total = 0;
  for (const auto& t : scene.tracks) {
    visible += static_cast<std::size_t>(std::count(t.visible.begin(), t.visible.end(), true));
    total += t.visible.size();
  }
  out << "tracks:     " << scene.tracks.size() << " points";
  if (total > 0)
    out << ", visible in " << std::fixed << std::setprecision(1) << 100.0 * visible / total
        << "% of frames";
  out << "\nproblems:   " << scene.warnings.size() << "\n";
  for (const auto& w : scene.warnings) out << "  - " << w << "\n";
  return out.str();
}

}  // namespace mspa
