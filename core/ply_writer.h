#pragma once

#include <string>

#include "core/ply_header.h"
#include "core/point_cloud.h"

namespace mspa {

// Writes x y z (float), colours (uchar) and normals (float) when present, and triangles as faces.
// Throws InputError when the file cannot be written.
void writePly(const std::string& path, const PointCloud& cloud,
              PlyFormat format = PlyFormat::BinaryLittleEndian);

}  // namespace mspa
