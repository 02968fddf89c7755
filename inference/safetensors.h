#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mspa::inference {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char* dtypeName(DType dtype);
std::size_t dtypeSize(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offsets within the data section
  std::size_t end = 0;

  std::int64_t numel() const;
};

// A safetensors file, memory-mapped. The header is validated completely before any tensor is
// touched: JSON syntax, known dtypes, offsets inside the file, sizes that match the shapes, no
// overlapping tensors. Every problem raises std::runtime_error naming the file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // Sorted by name.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* find(const std::string& name) const;
  // Raw little-endian bytes of a tensor.
  const std::uint8_t* data(const TensorInfo& tensor) const { return dataSection_ + tensor.begin; }
  // Drops the tensor's pages from this process's memory once a copy of it is all that is used
  // (they are read again from the file if touched).
  void release(const TensorInfo& tensor) const;
  // The whole file as mapped (read-only, private).
  const std::uint8_t* mapping() const { return mapping_; }
  std::size_t mappingSize() const { return mappingSize_; }

 private:
  void parseHeader(const char* json, std::size_t length);

  std::string path_;
  const std::uint8_t* mapping_ = nullptr;
  std::size_t mappingSize_ = 0;
  const std::uint8_t* dataSection_ = nullptr;
  std::size_t dataSize_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes a safetensors file one tensor at a time, so a checkpoint larger than memory can be
// written: the header (offsets from the shapes, padded to 8 bytes as the reference writer pads
// it) first, then each tensor's bytes in the order given. Throws std::runtime_error naming the
// file when it cannot be written or a tensor's bytes do not match its shape.
class SafetensorsWriter {
 public:
  struct Entry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
  };
  SafetensorsWriter(const std::string& path, const std::vector<Entry>& entries,
                    const std::map<std::string, std::string>& metadata = {{"format", "pt"}});
  ~SafetensorsWriter();
  // The next entry's bytes.
  void write(const void* bytes, std::size_t size);
  // Checks that every entry was written and closes the file.
  void finish();

 private:
  struct File;
  std::string path_;
  std::vector<std::size_t> sizes_;
  std::size_t next_ = 0;
  std::unique_ptr<File> file_;
};

}  // namespace mspa::inference
