#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <vector>

namespace mspa {

using Rgb8 = std::array<std::uint8_t, 3>;
using Triangle = std::array<std::uint32_t, 3>;

struct Bounds {
  Eigen::Vector3f min{0, 0, 0};
  Eigen::Vector3f max{0, 0, 0};
  Eigen::Vector3f extent() const { return max - min; }
};

// Points with optional per-point colour and normal (each either empty or one per point), and
// optional triangles when the source was a mesh.
struct PointCloud {
  std::vector<Eigen::Vector3f> positions;
  std::vector<Rgb8> colors;
  std::vector<Eigen::Vector3f> normals;
  std::vector<Triangle> triangles;

  std::size_t size() const { return positions.size(); }
  bool hasColors() const { return !colors.empty(); }
  bool hasNormals() const { return !normals.empty(); }
  // Bounds of the finite positions; zero box when there are none.
  Bounds bounds() const;
};

}  // namespace mspa
