#include "core/ply_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/input_error.h"
#include "core/mapped_file.h"

namespace mspa {
namespace {

// Rows handled between progress callbacks; small enough to stay responsive, large enough that the
// callback costs nothing.
constexpr std::size_t kRowsPerChunk = 1 << 18;

template <typename T>
T loadScalar(const std::uint8_t* p, bool swap) {
  if constexpr (sizeof(T) == 1) {
    return static_cast<T>(*p);
  } else {
    std::uint8_t raw[sizeof(T)];
    std::memcpy(raw, p, sizeof(T));
    if (swap) std::reverse(raw, raw + sizeof(T));
    T value;
    std::memcpy(&value, raw, sizeof(T));
    return value;
  }
}

// Calls fn(loadScalar<C++ type of `type`>(p, swap)); the per-type instantiation keeps the hot
// loops free of a switch per value.
template <typename Fn>
void withScalarType(PlyType type, Fn&& fn) {
  switch (type) {
    case PlyType::Int8:
      return fn(std::int8_t{});
    case PlyType::UInt8:
      return fn(std::uint8_t{});
    case PlyType::Int16:
      return fn(std::int16_t{});
    case PlyType::UInt16:
      return fn(std::uint16_t{});
    case PlyType::Int32:
      return fn(std::int32_t{});
    case PlyType::UInt32:
      return fn(std::uint32_t{});
    case PlyType::Float32:
      return fn(float{});
    case PlyType::Float64:
      return fn(double{});
  }
}

double loadAsDouble(const std::uint8_t* p, PlyType type, bool swap) {
  double out = 0;
  withScalarType(type,
                 [&](auto tag) { out = static_cast<double>(loadScalar<decltype(tag)>(p, swap)); });
  return out;
}

// A double property outside float's range becomes an infinity (a cast would be undefined).
template <typename T>
float toFloat(T v) {
  if constexpr (std::is_same_v<T, double>) {
    if (std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
      return v > 0 ? HUGE_VALF : -HUGE_VALF;
  }
  return static_cast<float>(v);
}

template <typename T>
std::uint8_t toColorByte(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    // Float colours are in [0, 1].
    return static_cast<std::uint8_t>(std::clamp(std::lround(v * 255.0), 0L, 255L));
  } else if constexpr (sizeof(T) == 2) {
    return static_cast<std::uint8_t>(static_cast<std::uint32_t>(std::max<T>(v, 0)) >> 8);
  } else {
    return static_cast<std::uint8_t>(std::clamp<long long>(v, 0, 255));
  }
}

// Where each attribute of the vertex element lives (property index, or -1).
struct VertexColumns {
  int position[3] = {-1, -1, -1};
  int color[3] = {-1, -1, -1};
  int normal[3] = {-1, -1, -1};

  explicit VertexColumns(const PlyElement& vertex) {
    const auto findAny = [&](std::initializer_list<const char*> names) {
      for (const char* n : names) {
        if (int i = vertex.find(n); i >= 0) return i;
      }
      return -1;
    };
    position[0] = vertex.find("x");
    position[1] = vertex.find("y");
    position[2] = vertex.find("z");
    color[0] = findAny({"red", "r", "diffuse_red"});
    color[1] = findAny({"green", "g", "diffuse_green"});
    color[2] = findAny({"blue", "b", "diffuse_blue"});
    normal[0] = vertex.find("nx");
    normal[1] = vertex.find("ny");
    normal[2] = vertex.find("nz");
  }
  bool hasColor() const { return color[0] >= 0 && color[1] >= 0 && color[2] >= 0; }
  bool hasNormal() const { return normal[0] >= 0 && normal[1] >= 0 && normal[2] >= 0; }
};

class PlyBodyReader {
 public:
  PlyBodyReader(const MappedFile& file, const PlyHeader& header, const PlyReadOptions& options)
      : file_(file), header_(header), options_(options) {
    cursor_ = file.data() + header.dataOffset;
    end_ = file.data() + file.size();
    swap_ = header.format == PlyFormat::BinaryBigEndian;
    for (const auto& e : header.elements) totalRows_ += e.count;
    asciiLine_ = 1 + static_cast<std::size_t>(std::count(file.data(), cursor_, '\n'));
  }

  PointCloud read() {
    const PlyElement* vertex = header_.find("vertex");
    if (!vertex) fail("no 'vertex' element");
    const VertexColumns columns(*vertex);
    for (int axis = 0; axis < 3; ++axis) {
      if (columns.position[axis] < 0) fail("the vertex element has no x, y and z properties");
      if (vertex->properties[columns.position[axis]].isList) fail("vertex coordinates are lists");
    }
    for (const auto& element : header_.elements) {
      if (&element == vertex) {
        readVertices(element, columns);
      } else if (isFaceElement(element) && options_.readFaces) {
        readFaces(element);
      } else {
        skipElement(element);
      }
    }
    return std::move(cloud_);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(file_.path(), problem);
  }

  static bool isFaceElement(const PlyElement& e) {
    return e.name == "face" && faceIndexProperty(e) >= 0;
  }
  static int faceIndexProperty(const PlyElement& e) {
    const int i = e.find("vertex_indices");
    const int j = i >= 0 ? i : e.find("vertex_index");
    return (j >= 0 && e.properties[j].isList) ? j : -1;
  }

  void reportRows(std::size_t rows) {
    rowsDone_ += rows;
    if (options_.progress && totalRows_ > 0 &&
        !options_.progress(static_cast<double>(rowsDone_) / static_cast<double>(totalRows_))) {
      throw Cancelled();
    }
  }

  void requireBytes(std::size_t bytes, const PlyElement& element) const {
    const auto left = static_cast<std::size_t>(end_ - cursor_);
    if (bytes > left) {
      std::ostringstream msg;
      msg << "truncated: element '" << element.name << "' needs " << bytes
          << " more bytes but only " << left << " remain (header declares " << element.count
          << " instances)";
      fail(msg.str());
    }
  }

  void allocate(const PlyElement& vertex, const VertexColumns& columns) {
    cloud_.positions.resize(vertex.count);
    if (columns.hasColor()) cloud_.colors.resize(vertex.count);
    if (columns.hasNormal()) cloud_.normals.resize(vertex.count);
  }

  void readVertices(const PlyElement& vertex, const VertexColumns& columns) {
    if (header_.format != PlyFormat::Ascii && !vertex.hasLists()) {
      readFixedVertices(vertex, columns);
    } else {
      readVariableRows(
          vertex,
          [&](std::size_t row, int property, double value) {
            storeVertexValue(vertex, columns, row, property, value);
          },
          [&] { allocate(vertex, columns); });
    }
  }

  void storeVertexValue(const PlyElement& vertex, const VertexColumns& columns, std::size_t row,
                        int property, double value) {
    for (int axis = 0; axis < 3; ++axis) {
      if (property == columns.position[axis]) cloud_.positions[row][axis] = toFloat(value);
      if (!cloud_.colors.empty() && property == columns.color[axis]) {
        withScalarType(vertex.properties[property].type, [&](auto tag) {
          cloud_.colors[row][axis] = toColorByte(static_cast<decltype(tag)>(value));
        });
      }
      if (!cloud_.normals.empty() && property == columns.normal[axis]) {
        cloud_.normals[row][axis] = toFloat(value);
      }
    }
  }

  // Binary vertices without lists: every attribute is a strided column, gathered chunk by chunk.
  void readFixedVertices(const PlyElement& vertex, const VertexColumns& columns) {
    const std::size_t stride = vertex.fixedStride();
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(vertex.count, stride, &bytes))
      fail("vertex count is impossibly large");
    requireBytes(bytes, vertex);
    allocate(vertex, columns);
    std::vector<std::size_t> offsets;
    std::size_t offset = 0;
    for (const auto& p : vertex.properties) {
      offsets.push_back(offset);
      offset += plyTypeSize(p.type);
    }
    for (std::size_t begin = 0; begin < vertex.count; begin += kRowsPerChunk) {
      const std::size_t end = std::min(vertex.count, begin + kRowsPerChunk);
      for (int axis = 0; axis < 3; ++axis) {
        gatherColumn(vertex, offsets, stride, columns.position[axis], begin, end,
                     [&](std::size_t i, auto v) { cloud_.positions[i][axis] = toFloat(v); });
        if (!cloud_.colors.empty()) {
          gatherColumn(vertex, offsets, stride, columns.color[axis], begin, end,
                       [&](std::size_t i, auto v) { cloud_.colors[i][axis] = toColorByte(v); });
        }
        if (!cloud_.normals.empty()) {
          gatherColumn(vertex, offsets, stride, columns.normal[axis], begin, end,
                       [&](std::size_t i, auto v) { cloud_.normals[i][axis] = toFloat(v); });
        }
      }
      reportRows(end - begin);
    }
    cursor_ += bytes;
  }

  template <typename Store>
  void gatherColumn(const PlyElement& vertex, const std::vector<std::size_t>& offsets,
                    std::size_t stride, int property, std::size_t begin, std::size_t end,
                    Store&& store) {
    const std::uint8_t* base = cursor_ + offsets[property];
    const bool swap = swap_;
    withScalarType(vertex.properties[property].type, [&](auto tag) {
      using T = decltype(tag);
      for (std::size_t i = begin; i < end; ++i) store(i, loadScalar<T>(base + i * stride, swap));
    });
  }

  void readFaces(const PlyElement& face) {
    const int indexProperty = faceIndexProperty(face);
    const auto vertexCount = cloud_.positions.size();
    std::vector<std::uint32_t> polygon;
    std::size_t faceRow = 0;
    // A face takes at least a byte: the bytes left bound what the header's count may reserve.
    cloud_.triangles.reserve(std::min(face.count, static_cast<std::size_t>(end_ - cursor_)));
    readVariableRows(
        face,
        [&](std::size_t row, int property, double value) {
          if (property != indexProperty) return;
          if (row != faceRow) {
            emitPolygon(polygon);
            faceRow = row;
          }
          if (!(value >= 0 && value < static_cast<double>(vertexCount))) {
            std::ostringstream msg;
            msg << "face " << row << " references vertex " << value << " but there are only "
                << vertexCount << " vertices";
            fail(msg.str());
          }
          polygon.push_back(static_cast<std::uint32_t>(value));
        },
        [] {});
    emitPolygon(polygon);
  }

  void emitPolygon(std::vector<std::uint32_t>& polygon) {
    for (std::size_t k = 2; k < polygon.size(); ++k) {
      cloud_.triangles.push_back({polygon[0], polygon[k - 1], polygon[k]});
    }
    polygon.clear();
  }

  void skipElement(const PlyElement& element) {
    if (header_.format != PlyFormat::Ascii && !element.hasLists()) {
      std::size_t bytes = 0;
      if (__builtin_mul_overflow(element.count, element.fixedStride(), &bytes)) {
        fail("element '" + element.name + "' count is impossibly large");
      }
      requireBytes(bytes, element);
      cursor_ += bytes;
      reportRows(element.count);
    } else {
      readVariableRows(
          element, [](std::size_t, int, double) {}, [] {});
    }
  }

  // Row-by-row walk for ascii files and elements with list properties. `value(row, property, v)`
  // receives every scalar, list entries included; `prepare()` runs once the count is checked.
  template <typename Value, typename Prepare>
  void readVariableRows(const PlyElement& element, Value&& value, Prepare&& prepare) {
    // Each instance takes at least one byte (ascii) or its scalar sizes (binary).
    if (element.count > static_cast<std::size_t>(end_ - cursor_)) {
      requireBytes(element.count, element);
    }
    prepare();
    for (std::size_t row = 0; row < element.count; ++row) {
      for (int p = 0; p < static_cast<int>(element.properties.size()); ++p) {
        const auto& property = element.properties[p];
        if (property.isList) {
          const double n = readNumber(property.countType, element, row);
          if (!(n >= 0) || n != std::floor(n))
            fail(rowProblem(element, row, "negative list length"));
          if (n > static_cast<double>(end_ - cursor_))
            fail("truncated: " + rowProblem(element, row, "a list longer than the data left"));
          for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) {
            value(row, p, readNumber(property.type, element, row));
          }
        } else {
          value(row, p, readNumber(property.type, element, row));
        }
      }
      if ((row + 1) % kRowsPerChunk == 0) reportRows(kRowsPerChunk);
    }
    reportRows(element.count % kRowsPerChunk);
  }

  std::string rowProblem(const PlyElement& element, std::size_t row,
                         const std::string& what) const {
    std::ostringstream msg;
    msg << what << " in element '" << element.name << "' instance " << row;
    if (header_.format == PlyFormat::Ascii) msg << " (line " << asciiLine_ << ")";
    return msg.str();
  }

  double readNumber(PlyType type, const PlyElement& element, std::size_t row) {
    if (header_.format != PlyFormat::Ascii) {
      const std::size_t size = plyTypeSize(type);
      if (static_cast<std::size_t>(end_ - cursor_) < size) {
        fail("truncated: " + rowProblem(element, row, "data ends"));
      }
      const double v = loadAsDouble(cursor_, type, swap_);
      cursor_ += size;
      return v;
    }
    while (cursor_ < end_ && std::isspace(*cursor_)) {
      if (*cursor_ == '\n') ++asciiLine_;
      ++cursor_;
    }
    if (cursor_ == end_) fail("truncated: " + rowProblem(element, row, "data ends"));
    const char* begin = reinterpret_cast<const char*>(cursor_);
    const char* last = reinterpret_cast<const char*>(end_);
    if (*begin == '+') ++begin;
    double v = 0;
    const auto [ptr, ec] = std::from_chars(begin, last, v);
    if (ec != std::errc()) fail(rowProblem(element, row, "not a number"));
    cursor_ = reinterpret_cast<const std::uint8_t*>(ptr);
    if (!fitsType(v, type)) fail(rowProblem(element, row, "a number outside its property's type"));
    return v;
  }

  // Whether an ascii value converts to the property's type without overflow.
  static bool fitsType(double v, PlyType type) {
    bool fits = true;
    withScalarType(type, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        fits =
            !std::isfinite(v) || std::abs(v) <= static_cast<double>(std::numeric_limits<T>::max());
      } else {
        fits = v >= static_cast<double>(std::numeric_limits<T>::min()) &&
               v <= static_cast<double>(std::numeric_limits<T>::max());
      }
    });
    return fits;
  }

  const MappedFile& file_;
  const PlyHeader& header_;
  const PlyReadOptions& options_;
  const std::uint8_t* cursor_;
  const std::uint8_t* end_;
  bool swap_ = false;
  std::size_t totalRows_ = 0;
  std::size_t rowsDone_ = 0;
  std::size_t asciiLine_ = 0;
  PointCloud cloud_;
};

}  // namespace

PointCloud readPly(const std::string& path, const PlyReadOptions& options) {
  const MappedFile file(path);
  const PlyHeader header = parsePlyHeader(file.data(), file.size(), path);
  return PlyBodyReader(file, header, options).read();
}

PlyHeader readPlyHeader(const std::string& path) {
  const MappedFile file(path);
  return parsePlyHeader(file.data(), file.size(), path);
}

}  // namespace mspa
