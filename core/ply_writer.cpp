#include "core/ply_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/input_error.h"

namespace mspa {
namespace {

class PlyBodyWriter {
 public:
  explicit PlyBodyWriter(PlyFormat format) : format_(format) {}

  template <typename T>
  void put(T value) {
    if (format_ == PlyFormat::Ascii) {
      if constexpr (sizeof(T) == 1) {
        text_ << static_cast<int>(value);
      } else {
        text_ << value;
      }
      text_ << ' ';
      return;
    }
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    if (format_ == PlyFormat::BinaryBigEndian) std::reverse(raw, raw + sizeof(T));
    bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
  }

  void endRow() {
    if (format_ == PlyFormat::Ascii) text_ << '\n';
  }

  std::string take() {
    if (format_ == PlyFormat::Ascii) return text_.str();
    return std::string(bytes_.begin(), bytes_.end());
  }

 private:
  PlyFormat format_;
  std::ostringstream text_;
  std::vector<char> bytes_;
};

std::string headerFor(const PointCloud& cloud, PlyFormat format) {
  std::ostringstream h;
  h << "ply\nformat " << plyFormatName(format) << " 1.0\ncomment written by MultiSPA Studio\n";
  h << "element vertex " << cloud.size() << "\n";
  h << "property float x\nproperty float y\nproperty float z\n";
  if (cloud.hasNormals()) h << "property float nx\nproperty float ny\nproperty float nz\n";
  if (cloud.hasColors()) h << "property uchar red\nproperty uchar green\nproperty uchar blue\n";
  if (!cloud.triangles.empty()) {
    h << "element face " << cloud.triangles.size() << "\nproperty list uchar int vertex_indices\n";
  }
  h << "end_header\n";
  return h.str();
}

}  // namespace

void writePly(const std::string& path, const PointCloud& cloud, PlyFormat format) {
  PlyBodyWriter body(format);
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    for (float v : cloud.positions[i]) body.put(v);
    if (cloud.hasNormals()) {
      for (float v : cloud.normals[i]) body.put(v);
    }
    if (cloud.hasColors()) {
      for (auto c : cloud.colors[i]) body.put(c);
    }
    body.endRow();
  }
  for (const auto& t : cloud.triangles) {
    body.put(std::uint8_t{3});
    for (auto index : t) body.put(static_cast<std::int32_t>(index));
    body.endRow();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, std::string("cannot create file: ") + std::strerror(errno));
  const std::string header = headerFor(cloud, format);
  const std::string data = body.take();
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out.flush()) throw InputError(path, "write failed (disk full?)");
}

}  // namespace mspa
