#include "inference/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mspa::inference {
namespace {

struct DTypeName {
  const char* name;
  DType dtype;
  std::size_t size;
};

constexpr DTypeName kDTypes[] = {
    {"F64", DType::F64, 8},   {"F32", DType::F32, 4}, {"F16", DType::F16, 2},
    {"BF16", DType::BF16, 2}, {"I64", DType::I64, 8}, {"I32", DType::I32, 4},
    {"I16", DType::I16, 2},   {"I8", DType::I8, 1},   {"U8", DType::U8, 1},
    {"BOOL", DType::Bool, 1},
};

// Real headers are a few MB at most (tens of thousands of tensors); more is a corrupt length.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

}  // namespace

const char* dtypeName(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

std::size_t dtypeSize(DType dtype) {
  for (const auto& d : kDTypes) {
    if (d.dtype == dtype) return d.size;
  }
  return 0;
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  const auto fail = [&](const std::string& problem) {
    throw std::runtime_error(path + ": " + problem);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  mappingSize_ = static_cast<std::size_t>(st.st_size);
  if (mappingSize_ < 8) {
    ::close(fd);
    fail("too small to be a safetensors file (" + std::to_string(mappingSize_) + " bytes)");
  }
  void* p = ::mmap(nullptr, mappingSize_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) fail(std::string("cannot map file: ") + std::strerror(errno));
  mapping_ = static_cast<const std::uint8_t*>(p);
  try {
    std::uint64_t headerLength = 0;
    std::memcpy(&headerLength, mapping_, 8);  // little endian, as is every supported host
    if (headerLength > kMaxHeaderBytes || headerLength > mappingSize_ - 8) {
      fail("header length " + std::to_string(headerLength) + " exceeds the file size " +
           std::to_string(mappingSize_) + " (truncated or not safetensors)");
    }
    dataSection_ = mapping_ + 8 + headerLength;
    dataSize_ = mappingSize_ - 8 - headerLength;
    parseHeader(reinterpret_cast<const char*>(mapping_ + 8), headerLength);
  } catch (...) {
    ::munmap(const_cast<std::uint8_t*>(mapping_), mappingSize_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  ::munmap(const_cast<std::uint8_t*>(mapping_), mappingSize_);
}

void SafetensorsFile::parseHeader(const char* json, std::size_t length) {
  const auto fail = [&](const std::string& problem) {
    throw std::runtime_error(path_ + ": " + problem);
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(json, json + length);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail("header is not a JSON object");
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (value.is_string()) metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    const auto where = "tensor '" + name + "': ";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      fail(where + "needs dtype, shape and data_offsets");
    }
    TensorInfo info;
    info.name = name;
    const auto& dtype = entry["dtype"];
    const auto known =
        std::find_if(std::begin(kDTypes), std::end(kDTypes),
                     [&](const DTypeName& d) { return dtype.is_string() && dtype == d.name; });
    if (known == std::end(kDTypes)) fail(where + "unsupported dtype " + dtype.dump());
    info.dtype = known->dtype;
    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where + "shape is not an array");
    for (const auto& d : shape) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        fail(where + "invalid shape " + shape.dump());
      info.shape.push_back(d.get<std::int64_t>());
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      fail(where + "data_offsets must be two non-negative integers");
    }
    info.begin = offsets[0].get<std::size_t>();
    info.end = offsets[1].get<std::size_t>();
    if (info.begin > info.end || info.end > dataSize_) {
      fail(where + "data_offsets " + offsets.dump() + " lie outside the " +
           std::to_string(dataSize_) + "-byte data section (truncated file?)");
    }
    std::size_t expected = known->size;
    for (const auto d : info.shape) {
      if (__builtin_mul_overflow(expected, static_cast<std::size_t>(d), &expected))
        fail(where + "shape " + shape.dump() + " is impossibly large");
    }
    if (info.end - info.begin != expected) {
      fail(where + "holds " + std::to_string(info.end - info.begin) + " bytes but shape " +
           shape.dump() + " of " + known->name + " needs " + std::to_string(expected));
    }
    tensors_.push_back(std::move(info));
  }
  std::vector<const TensorInfo*> byOffset;
  for (const auto& t : tensors_) byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < byOffset.size(); ++i) {
    if (byOffset[i]->begin < byOffset[i - 1]->end) {
      fail("tensors '" + byOffset[i - 1]->name + "' and '" + byOffset[i]->name + "' overlap");
    }
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

void SafetensorsFile::release(const TensorInfo& tensor) const {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(data(tensor)) + page - 1) / page * page;
  const auto end =
      (reinterpret_cast<std::uintptr_t>(data(tensor)) + (tensor.end - tensor.begin)) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  const auto it =
      std::lower_bound(tensors_.begin(), tensors_.end(), name,
                       [](const TensorInfo& t, const std::string& n) { return t.name < n; });
  return (it != tensors_.end() && it->name == name) ? &*it : nullptr;
}

struct SafetensorsWriter::File {
  std::ofstream out;
};

SafetensorsWriter::SafetensorsWriter(const std::string& path, const std::vector<Entry>& entries,
                                     const std::map<std::string, std::string>& metadata)
    : path_(path), file_(std::make_unique<File>()) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& e : entries) {
    std::size_t bytes = dtypeSize(e.dtype);
    for (const auto d : e.shape) bytes *= static_cast<std::size_t>(d);
    header[e.name] = {{"dtype", dtypeName(e.dtype)},
                      {"shape", e.shape},
                      {"data_offsets", {offset, offset + bytes}}};
    sizes_.push_back(bytes);
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  const std::uint64_t length = json.size();
  file_->out.open(path, std::ios::binary | std::ios::trunc);
  file_->out.write(reinterpret_cast<const char*>(&length), 8);
  file_->out.write(json.data(), static_cast<std::streamsize>(json.size()));
  if (!file_->out) throw std::runtime_error(path + ": cannot write");
}

SafetensorsWriter::~SafetensorsWriter() = default;

void SafetensorsWriter::write(const void* bytes, std::size_t size) {
  if (next_ >= sizes_.size() || size != sizes_[next_]) {
    throw std::runtime_error(
        path_ + ": tensor " + std::to_string(next_) + " has " + std::to_string(size) +
        " bytes, not the " +
        (next_ < sizes_.size() ? std::to_string(sizes_[next_]) : std::string("0")) +
        " its shape needs");
  }
  file_->out.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(size));
  if (!file_->out) throw std::runtime_error(path_ + ": cannot write (disk full?)");
  ++next_;
}

void SafetensorsWriter::finish() {
  if (next_ != sizes_.size())
    throw std::runtime_error(path_ + ": only " + std::to_string(next_) + " of " +
                             std::to_string(sizes_.size()) + " tensors written");
  file_->out.close();
  if (!file_->out) throw std::runtime_error(path_ + ": cannot write (disk full?)");
}

}  // namespace mspa::inference
