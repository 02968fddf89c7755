#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mspa {

// A whole file mapped read-only. Parsers work on the bytes in place, so the only copy is the
// one into their own output.
class MappedFile {
 public:
  // Whole: every page is read soon (parsers), so all are faulted in at once. OnDemand: pages come
  // in as they are touched (an index's columns), so mapping costs nothing in memory up front.
  enum class Access { Whole, OnDemand };
  explicit MappedFile(const std::string& path, Access access = Access::Whole);  // throws InputError
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // While on, touching a page reads that page alone, without the kernel's read-ahead: for
  // walking small records spread over a large file (a .sens stream's frame headers), where
  // read-ahead would read most of the file.
  void setScattered(bool scattered) const;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace mspa
