#include "core/demo_cloud.h"

#include <Eigen/Geometry>
#include <cmath>
#include <functional>
#include <random>

namespace mspa {
namespace {

using Vec3 = Eigen::Vector3f;
using ColorAt = std::function<Rgb8(float s, float t)>;

// A flat patch origin + s*u + t*v, s and t in [0, 1].
struct Patch {
  Vec3 origin, u, v;
  ColorAt color;
  float area() const { return u.cross(v).norm(); }
};

Rgb8 rgb(float r, float g, float b) {
  const auto c = [](float x) {
    return static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.f, 1.f) * 255));
  };
  return {c(r), c(g), c(b)};
}

Rgb8 hue(float h) {
  const auto channel = [&](float offset) {
    return 0.5f + 0.5f * std::cos(6.2831853f * (h + offset));
  };
  return rgb(channel(0.f), channel(2.f / 3.f), channel(1.f / 3.f));
}

ColorAt solid(Rgb8 c) {
  return [c](float, float) { return c; };
}

void addBox(std::vector<Patch>& patches, Vec3 lo, Vec3 size, Rgb8 top, Rgb8 side) {
  const Vec3 x(size.x(), 0, 0), y(0, size.y(), 0), z(0, 0, size.z());
  patches.push_back({lo + z, x, y, solid(top)});
  patches.push_back({lo, x, z, solid(side)});
  patches.push_back({lo + y, x, z, solid(side)});
  patches.push_back({lo, y, z, solid(side)});
  patches.push_back({lo + x, y, z, solid(side)});
}

std::vector<Patch> roomPatches() {
  std::vector<Patch> patches;
  // Floor, 6 m x 5 m, a wooden checkerboard.
  patches.push_back({Vec3(0, 0, 0), Vec3(6, 0, 0), Vec3(0, 5, 0), [](float s, float t) {
                       const bool dark = (static_cast<int>(s * 12) + static_cast<int>(t * 10)) % 2;
                       return dark ? rgb(0.55f, 0.36f, 0.2f) : rgb(0.78f, 0.6f, 0.4f);
                     }});
  // Two walls, 2.6 m high, with a vertical gradient.
  patches.push_back({Vec3(0, 5, 0), Vec3(6, 0, 0), Vec3(0, 0, 2.6f),
                     [](float, float t) { return rgb(0.85f - 0.3f * t, 0.88f - 0.2f * t, 0.9f); }});
  patches.push_back({Vec3(0, 0, 0), Vec3(0, 5, 0), Vec3(0, 0, 2.6f),
                     [](float s, float) { return rgb(0.6f + 0.3f * s, 0.75f, 0.65f); }});
  addBox(patches, Vec3(2.2f, 2.0f, 0), Vec3(1.6f, 0.9f, 0.75f), rgb(0.9f, 0.2f, 0.15f),
         rgb(0.6f, 0.1f, 0.1f));
  addBox(patches, Vec3(0.1f, 3.8f, 0), Vec3(1.0f, 1.1f, 1.9f), rgb(0.2f, 0.4f, 0.9f),
         rgb(0.1f, 0.25f, 0.6f));
  addBox(patches, Vec3(4.0f, 0.3f, 0), Vec3(1.8f, 2.2f, 0.55f), rgb(0.95f, 0.85f, 0.2f),
         rgb(0.7f, 0.6f, 0.1f));
  return patches;
}

}  // namespace

PointCloud makeDemoCloud(std::size_t pointCount, std::uint32_t seed) {
  const auto patches = roomPatches();
  const Vec3 sphereCenter(3.0f, 2.45f, 1.15f);
  const float sphereRadius = 0.4f;
  std::vector<double> weights;
  for (const auto& p : patches) weights.push_back(p.area());
  weights.push_back(4 * M_PI * sphereRadius * sphereRadius);

  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  PointCloud cloud;
  cloud.positions.reserve(pointCount);
  cloud.colors.reserve(pointCount);
  for (std::size_t i = 0; i < pointCount; ++i) {
    const std::size_t k = pick(rng);
    if (k < patches.size()) {
      const float s = unit(rng), t = unit(rng);
      cloud.positions.push_back(patches[k].origin + s * patches[k].u + t * patches[k].v);
      cloud.colors.push_back(patches[k].color(s, t));
    } else {
      // Uniform on the sphere: z uniform in [-1, 1], azimuth uniform; coloured by azimuth.
      const float z = 2 * unit(rng) - 1, phi = 6.2831853f * unit(rng);
      const float r = std::sqrt(1 - z * z);
      cloud.positions.push_back(sphereCenter +
                                sphereRadius * Vec3(r * std::cos(phi), r * std::sin(phi), z));
      cloud.colors.push_back(hue(phi / 6.2831853f));
    }
  }
  return cloud;
}

}  // namespace mspa
