#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/scene_loaders.h"

namespace mspa::loaders {

std::optional<Pose> validatePose(const Eigen::Matrix4d& m, const std::string& what,
                                 std::vector<std::string>& warnings) {
  if (!m.allFinite()) {
    warnings.push_back(what + ": pose has non-finite values (invalid tracking); frame has no pose");
    return std::nullopt;
  }
  const Eigen::Matrix3d r = m.topLeftCorner<3, 3>();
  const double orthogonality =
      (r.transpose() * r - Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff();
  const bool lastRowOk = (m.row(3) - Eigen::RowVector4d(0, 0, 0, 1)).cwiseAbs().maxCoeff() < 1e-6;
  if (orthogonality > 1e-3 || r.determinant() < 0.99 || !lastRowOk) {
    warnings.push_back(
        what + ": pose is not a rigid transform (singular or scaled rotation); frame has no pose");
    return std::nullopt;
  }
  Pose pose = Pose::Identity();
  pose.linear() = r;
  pose.translation() = m.topRightCorner<3, 1>();
  return pose;
}

std::optional<Pose> readPoseFile(const std::string& path, std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) {
    warnings.push_back(path + ": missing pose file; frame has no pose");
    return std::nullopt;
  }
  Eigen::Matrix4d m;
  std::string token;
  for (int i = 0; i < 16; ++i) {
    if (!(in >> token)) {
      warnings.push_back(path + ": pose file has fewer than 16 numbers; frame has no pose");
      return std::nullopt;
    }
    // ScanNet writes invalid poses as "-inf"; strtod reads inf and nan, which validatePose rejects.
    char* end = nullptr;
    m(i / 4, i % 4) = std::strtod(token.c_str(), &end);
    if (end == token.c_str() || *end != '\0') {
      warnings.push_back(path + ": '" + token + "' is not a number; frame has no pose");
      return std::nullopt;
    }
  }
  return validatePose(m, path, warnings);
}

std::optional<Intrinsics> intrinsicsFromMatrix(const Eigen::Matrix4d& m, const std::string& what,
                                               std::vector<std::string>& warnings) {
  Intrinsics k{m(0, 0), m(1, 1), m(0, 2), m(1, 2), 0, 0};
  if (std::isfinite(k.fx) && std::isfinite(k.fy) && std::isfinite(k.cx) && std::isfinite(k.cy) &&
      k.fx > 0 && k.fy > 0)
    return k;
  warnings.push_back(what + ": focal lengths must be positive; frames have no intrinsics");
  return std::nullopt;
}

Eigen::Matrix4d cameraMatrix(const Intrinsics& k) {
  Eigen::Matrix4d m = Eigen::Matrix4d::Identity();
  m(0, 0) = k.fx;
  m(1, 1) = k.fy;
  m(0, 2) = k.cx;
  m(1, 2) = k.cy;
  return m;
}

std::optional<Intrinsics> readIntrinsicsFile(const std::string& path,
                                             std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) {
    warnings.push_back(path + ": missing; frames have no intrinsics");
    return std::nullopt;
  }
  Eigen::Matrix4d m;
  for (int i = 0; i < 16; ++i) {
    if (!(in >> m(i / 4, i % 4))) {
      warnings.push_back(path + ": expected a 4x4 matrix; frames have no intrinsics");
      return std::nullopt;
    }
  }
  return intrinsicsFromMatrix(m, path, warnings);
}

std::string posedFrameName(std::size_t index) {
  char name[24];
  std::snprintf(name, sizeof(name), "%05zu", index);
  return name;
}

bool isFrameNumber(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace mspa::loaders
