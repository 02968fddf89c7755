#include "core/npz.h"

#include <zip.h>

#include <charconv>
#include <cstring>
#include <memory>
#include <numeric>

#include "core/input_error.h"

namespace mspa {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value after 'key': in NumPy's header dict literal.
std::string headerField(const std::string& header, const std::string& key,
                        const std::string& source) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw InputError(source, "npy header has no '" + key + "'");
  const auto colon = header.find(':', at);
  if (colon == std::string::npos)
    throw InputError(source, "npy header field '" + key + "' is malformed");
  auto begin = colon + 1;
  while (begin < header.size() && header[begin] == ' ') ++begin;
  if (begin >= header.size())
    throw InputError(source, "npy header field '" + key + "' is malformed");
  const char open = header[begin];
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  const auto end = header.find(close, begin + 1);
  if (end == std::string::npos)
    throw InputError(source, "npy header field '" + key + "' is malformed");
  return header.substr(begin, end - begin + (close == ',' ? 0 : 1));
}

std::vector<std::size_t> parseShape(const std::string& tuple, const std::string& source) {
  std::vector<std::size_t> shape;
  std::size_t i = 1;  // after '('
  while (i < tuple.size()) {
    while (i < tuple.size() && (tuple[i] == ' ' || tuple[i] == ',')) ++i;
    if (i >= tuple.size() || tuple[i] == ')') break;
    std::size_t dimension = 0;
    const auto [end, error] =
        std::from_chars(tuple.data() + i, tuple.data() + tuple.size(), dimension);
    if (error != std::errc() || end == tuple.data() + i)
      throw InputError(source, "npy shape " + tuple + " is malformed");
    shape.push_back(dimension);
    i = static_cast<std::size_t>(end - tuple.data());
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
  std::size_t size = 0;
  if (dtype.size() < 2 ||
      std::from_chars(dtype.data() + 1, dtype.data() + dtype.size(), size).ptr !=
          dtype.data() + dtype.size())
    return 0;
  return size;
}

bool NpyArray::isNumeric() const {
  return dtype == "f4" || dtype == "f8" || dtype == "i4" || dtype == "i8" || dtype == "u1" ||
         dtype == "b1";
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
  if (major < 1 || major > 3)
    throw InputError(source, "npy format version " + std::to_string(major) + " is not supported");
  const std::size_t lengthBytes = major == 1 ? 2 : 4;
  if (size < 8 + lengthBytes) throw InputError(source, "npy header is truncated");
  std::uint32_t headerLength = 0;  // little endian, 2 or 4 bytes
  std::memcpy(&headerLength, bytes + 8, lengthBytes);
  if (headerLength > size - 8 - lengthBytes) throw InputError(source, "npy header is truncated");
  const std::size_t dataOffset = 8 + lengthBytes + headerLength;
  const std::string header(reinterpret_cast<const char*>(bytes + 8 + lengthBytes), headerLength);

  NpyArray array;
  const std::string descr = headerField(header, "descr", source);  // e.g. '<f4'
  if (descr.size() < 4 || (descr[1] != '<' && descr[1] != '|')) {
    throw InputError(
        source, "npy dtype " + descr + " is not supported (little-endian numbers or bytes only)");
  }
  array.dtype = descr.substr(2, descr.size() - 3);
  if (array.dtype == "O")
    throw InputError(source, "npy holds pickled Python objects, which are not supported");
  if (headerField(header, "fortran_order", source).find("True") != std::string::npos) {
    throw InputError(source, "Fortran-ordered npy arrays are not supported");
  }
  const std::size_t item = array.itemSize();
  if (item == 0 || item > (1u << 30) || (array.dtype[0] != 'S' && !array.isNumeric())) {
    throw InputError(source, "npy dtype " + descr + " is not supported");
  }
  array.shape = parseShape(headerField(header, "shape", source), source);
  // The element count is checked against the bytes present before it is multiplied out.
  std::size_t expected = item;
  for (const auto d : array.shape) {
    // Even an empty array (another dimension 0) may not declare more elements than bytes.
    if (d > size)
      throw InputError(
          source, "npy shape " + headerField(header, "shape", source) + " is larger than the file");
    if (d != 0 && expected > (size - dataOffset) / d) {
      throw InputError(source, "npy data is truncated: shape " +
                                   headerField(header, "shape", source) + " of " + descr +
                                   " needs more than the " + std::to_string(size - dataOffset) +
                                   " bytes present");
    }
    expected *= d;
  }
  if (size - dataOffset < expected) {
    throw InputError(source, "npy data is truncated: " + std::to_string(size - dataOffset) +
                                 " bytes for " + std::to_string(expected));
  }
  array.data.assign(bytes + dataOffset, bytes + dataOffset + expected);
  return array;
}

std::vector<std::uint8_t> serializeNpy(const NpyArray& array) {
  std::string shape = "(";
  for (auto d : array.shape) shape += std::to_string(d) + ", ";
  if (array.shape.size() > 1) shape.resize(shape.size() - 2);
  shape += ")";
  const char order =
      array.dtype[0] == 'S' || array.dtype == "u1" || array.dtype == "b1" ? '|' : '<';
  std::string header = "{'descr': '" + std::string(1, order) + array.dtype +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
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
    // Read in pieces: the directory's declared size is not trusted with an allocation.
    std::vector<std::uint8_t> bytes;
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen_index(archive.get(), i, 0),
                                                           zip_fclose);
    if (!file) throw InputError(path, "cannot read " + name + " (corrupt archive)");
    for (std::uint8_t chunk[1 << 16];;) {
      const zip_int64_t read = zip_fread(file.get(), chunk, sizeof chunk);
      if (read < 0) throw InputError(path, "cannot read " + name + " (corrupt archive)");
      if (read == 0) break;
      bytes.insert(bytes.end(), chunk, chunk + read);
    }
    if ((stat.valid & ZIP_STAT_SIZE) && bytes.size() != stat.size)
      throw InputError(path, "cannot read " + name + " (corrupt archive)");
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
    zip_source_t* source =
        zip_source_buffer(archive, buffers.back().data(), buffers.back().size(), 0);
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
