#pragma once

#include <functional>
#include <string>

#include "core/ply_header.h"
#include "core/point_cloud.h"

namespace mspa {

struct PlyReadOptions {
  // Called with the fraction done; returning false cancels the read (throws Cancelled).
  std::function<bool(double)> progress;
  bool readFaces = true;
};

// Reads the vertices (x, y, z; colours and normals when present) and, when asked, the faces of an
// ascii or binary PLY file, whatever the property order and scalar types. Throws InputError that
// names the file and what is wrong with it.
PointCloud readPly(const std::string& path, const PlyReadOptions& options = {});

// The header only (element counts, properties) for tools that describe a file.
PlyHeader readPlyHeader(const std::string& path);

}  // namespace mspa
