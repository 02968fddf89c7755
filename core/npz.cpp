#include "core/npz.h"

#include <zip.h>

#include <cstring>
#include <memory>
#include <numeric>

#include "core/input_error.h"

namespace mspa {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value after 'key': in NumPy's header dict literal.
std::string headerField(const std::string& header, const std::string& key, const std::string& source) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw InputError(source, "npy header has no '" + key + "'");
  auto begin = header.find(':', at) + 1;
  while (begin < header.size() && header[begin] == ' ') ++begin;
  const char open = header[begin];
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  const auto end = header.find(close, begin + 1);
  if (end == std::string::npos) throw InputError(source, "npy header field '" + key + "' is malformed");
  return header.substr(begin, end - begin + (close == ',' ? 0 : 1));
}

std::vector<std::size_t> parseShape(const std::string& tuple, const std::string& source) {
  std::vector<std::size_t> shape;
  std::size_t i = 1;  // after '('
  while (i < tuple.size()) {
    while (i < tuple.size() && (tuple[i] == ' ' || tuple[i] == ',')) ++i;
    if (i >= tuple.size() || tuple[i] == ')') break;
    std::size_t used = 0;
    try {
      shape.push_back(std::stoull(tuple.substr(i), &used));
    } catch (const std::exception&) {
      throw InputError(source, "npy shape " + tuple + " is malformed");
    }
    i += used;
  }
  return shape;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

}  // namespace

std::size_t NpyArray::count() const {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

std::size_t NpyArray::itemSize() const {
  if (dtype.empty()) return 0;
  return static_cast<std::size_t>(std::stoul(dtype.substr(1)));
}

double NpyArray::number(std::size_t i) const {
  const std::uint8_t* p = data.data() + i * itemSize();
  const auto load = [p](auto value) {
    std::memcpy(&value, p, sizeof value);
    return static_cast<double>(value);
  };
  if (dtype == "f4") return load(float{});
  if (dtype == "f8") return load(double{});
  if (dtype == "i4") return load(std::int32_t{});
  if (dtype == "i8") return load(std::int64_t{});
  if (dtype == "u1" || dtype == "b1") return *p;
  throw std::logic_error("NpyArray::number on dtype " + dtype);
}

std::vector<std::uint8_t> NpyArray::bytes(std::size_t i) const {
  const std::size_t n = itemSize();
  const std::uint8_t* p = data.data() + i * n;
  std::size_t length = n;
  while (length > 0 && p[length - 1] == 0) --length;
  return {p, p + length};
}

NpyArray parseNpy(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0) throw InputError(source, "not a .npy array");
  const int major = bytes[6];
  const std::size_t lengthBytes = major == 1 ? 2 : 4;
  std::size_t headerLength = 0;
  std::memcpy(&headerLength, bytes + 8, lengthBytes);
  const std::size_t dataOffset = 8 + lengthBytes + headerLength;
  if (dataOffset > size) throw InputError(source, "npy header is truncated");
  const std::string header(reinterpret_cast<const char*>(bytes + 8 + lengthBytes), headerLength);

  NpyArray array;
  const std::string descr = headerField(header, "descr", source);  // e.g. '<f4'
  if (descr.size() < 4 || (descr[1] != '<' && descr[1] != '|')) {
    throw InputError(source, "npy dtype " + descr + " is not supported (little-endian numbers or bytes only)");
  }
  array.dtype = descr.substr(2, descr.size() - 3);
  if (array.dtype == "O") throw InputError(source, "npy holds pickled Python objects, which are not supported");
  if (headerField(header, "fortran_order", source).find("True") != std::string::npos) {
    throw InputError(source, "Fortran-ordered npy arrays are not supported");
  }
  array.shape = parseShape(headerField(header, "shape", source), source);
  const std::size_t expected = array.count() * array.itemSize();
  if (size - dataOffset < expected) {
    throw InputError(source, "npy data is truncated: " + std::to_string(size - dataOffset) + " bytes for " +
                                 std::to_string(expected));
  }
  array.data.assign(bytes + dataOffset, bytes + dataOffset + expected);
  return array;
}

std::vector<std::uint8_t> serializeNpy(const NpyArray& array) {
  std::string shape = "(";
  for (auto d : array.shape) shape += std::to_string(d) + ", ";
  if (array.shape.size() > 1) shape.resize(shape.size() - 2);
  shape += ")";
  const char order = array.dtype[0] == 'S' || array.dtype == "u1" || array.dtype == "b1" ? '|' : '<';
  std::string header = "{'descr': '" + std::string(1, order) + array.dtype + "', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  // NumPy pads the header with spaces so the data starts on a 64-byte boundary.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<std::uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(header.size() & 0xFF));
  out.push_back(static_cast<std::uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

std::map<std::string, NpyArray> readNpz(const std::string& path) {
  int error = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY, &error));
  if (!archive) {
    zip_error_t z;
    zip_error_init_with_code(&z, error);
    const std::string message = zip_error_strerror(&z);
    zip_error_fini(&z);
    throw InputError(path, "not a readable .npz (zip) archive: " + message);
  }
  std::map<std::string, NpyArray> arrays;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), i, 0, &stat) != 0) continue;
    std::string name = stat.name;
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
    std::vector<std::uint8_t> bytes(stat.size);
    zip_file_t* file = zip_fopen_index(archive.get(), i, 0);
    const zip_int64_t read = file ? zip_fread(file, bytes.data(), bytes.size()) : -1;
    if (file) zip_fclose(file);
    if (read != static_cast<zip_int64_t>(bytes.size())) throw InputError(path, "cannot read " + name + " (corrupt archive)");
    name.resize(name.size() - 4);
    arrays[name] = parseNpy(bytes.data(), bytes.size(), path + ":" + name + ".npy");
  }
  return arrays;
}

void writeNpz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) throw InputError(path, "cannot create the archive");
  std::vector<std::vector<std::uint8_t>> buffers;  // libzip reads them at zip_close
  buffers.reserve(arrays.size());
  for (const auto& [name, array] : arrays) {
    buffers.push_back(serializeNpy(array));
    zip_source_t* source = zip_source_buffer(archive, buffers.back().data(), buffers.back().size(), 0);
    if (!source || zip_file_add(archive, (name + ".npy").c_str(), source, ZIP_FL_OVERWRITE) < 0) {
      zip_source_free(source);
      zip_discard(archive);
      throw InputError(path, "cannot add " + name + ".npy");
    }
  }
  if (zip_close(archive) != 0) {
    zip_discard(archive);
    throw InputError(path, "cannot write the archive");
  }
}

}  // namespace mspa
