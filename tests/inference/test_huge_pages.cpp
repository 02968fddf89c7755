#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "inference/huge_pages.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;

TEST_CASE(
    "A huge page arena starts on a huge page, hands out aligned pieces and stops at its end") {
  const auto arena = HugePageArena::create(5 << 20);
  if (!transparentHugePagesOffered()) {
    CHECK(arena == nullptr);  // callers keep their own memory
    return;
  }
  REQUIRE(arena != nullptr);
  CHECK(arena->size() == 6 << 20);  // whole huge pages
  auto* first = static_cast<char*>(arena->take(100));
  CHECK(reinterpret_cast<std::uintptr_t>(first) % (2 << 20) == 0);
  auto* second = static_cast<char*>(arena->take(4 << 20));
  CHECK(second == first + 128);  // 64-byte aligned, packed
  CHECK_THROWS_AS(arena->take(2 << 20), std::logic_error);
  CHECK(HugePageArena::create(0) == nullptr);
}

TEST_CASE("Memory touched in a huge page arena is held in huge pages, as the kernel counts them") {
  if (!transparentHugePagesOffered()) return;
  const auto arena = HugePageArena::create(8 << 20);
  REQUIRE(arena != nullptr);
  std::memset(arena->take(8 << 20), 1, 8 << 20);
  const MemoryRange taken = arena->taken();
  CHECK(bytesInHugePages({taken.begin, 0}) == 0);
  // The kernel may fall back to small pages when no 2 MB of it is free; one would be rare here.
  CHECK(bytesInHugePages(taken) >= 6 << 20);
  CHECK(bytesInHugePages(taken) <= 8 << 20);
  // smaps, all that kernels before 6.7 can say, counts the same as the page tables.
  const auto fromSmaps = bytesInHugePages(taken, HugePageCount::smaps);
  REQUIRE(fromSmaps);
  CHECK(*fromSmaps >= 6 << 20);
  if (const auto fromPageTables = bytesInHugePages(taken, HugePageCount::pageTables))
    CHECK(*fromSmaps == *fromPageTables);
}

TEST_CASE("The huge blocks of a range are the whole 2 MB blocks of its mapping that it touches") {
  constexpr std::uintptr_t block = 2 << 20;
  const auto at = [](std::uintptr_t a) { return reinterpret_cast<const void*>(a); };
  const MemoryRange mapping{at(10 * block + 4096), 6 * block};  // whole blocks 11 to 15
  MemoryRange blocks = hugeBlocksOf({at(12 * block + 100), block}, mapping);
  CHECK(blocks.begin == at(12 * block));
  CHECK(blocks.size == 2 * block);
  blocks = hugeBlocksOf({at(10 * block + 8192), block}, mapping);
  CHECK(blocks.begin == at(11 * block));  // the mapping's first block is not all of it
  CHECK(blocks.size == block);
  CHECK(hugeBlocksOf({at(10 * block + 8192), 4096}, mapping).size == 0);
  CHECK(hugeBlocksOf({at(16 * block), 4096}, mapping).size == 0);  // past the last whole block
}

namespace {

// A read-only private map of a file, as safetensors maps checkpoints.
class FileMap {
 public:
  explicit FileMap(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    struct stat st {};
    ::fstat(fd, &st);
    size_ = static_cast<std::size_t>(st.st_size);
    data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    REQUIRE(data_ != MAP_FAILED);
  }
  ~FileMap() { ::munmap(data_, size_); }
  MemoryRange range() const { return {data_, size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// Written back and dropped from the page cache, so that the file is read in as a checkpoint long
// on disk is: in 2 MB folios where the kernel reads files so.
void dropFromPageCache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::fsync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

}  // namespace

TEST_CASE(
    "A file map made huge in place reads the same bytes at the same addresses from huge pages, "
    "one kept out of them from small pages") {
  mspa::test::TempDir dir;
  std::string bytes(10 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  mspa::test::writeFile(dir.file("weights.bin"), bytes);
  dropFromPageCache(dir.file("weights.bin"));

  const FileMap huge(dir.file("weights.bin"));
  const MemoryRange blocks = hugeBlocksOf({huge.range().begin, bytes.size()}, huge.range());
  REQUIRE(blocks.size >= 8 << 20);
  const std::size_t copied = makeHugeInPlace(blocks);
  CHECK(copied % (2 << 20) == 0);
  CHECK(copied <= blocks.size);
  CHECK(std::memcmp(huge.range().begin, bytes.data(), bytes.size()) == 0);
  if (transparentHugePagesOffered()) {
    // Each block in the file's own huge page or in a copy's; one may fall back to small pages.
    CHECK(bytesInHugePages(blocks) >= blocks.size - (2 << 20));
  } else {
    CHECK(copied == 0);
  }

  if (copied < blocks.size) {
    // The kernel kept blocks of the file's own: a plain map of it is read from huge pages too.
    const FileMap plain(dir.file("weights.bin"));
    CHECK(std::memcmp(plain.range().begin, bytes.data(), bytes.size()) == 0);
    CHECK(bytesInHugePages(plain.range()) > 0);
    CHECK(bytesInHugePages(plain.range(), HugePageCount::smaps) ==
          bytesInHugePages(plain.range(), HugePageCount::pageTables));
  }
  const FileMap small(dir.file("weights.bin"));
  keepOutOfHugePages(small.range());
  CHECK(std::memcmp(small.range().begin, bytes.data(), bytes.size()) == 0);
  CHECK(bytesInHugePages(small.range()) == 0);
}

TEST_CASE(
    "Where the kernel cannot say which blocks of a file map are huge, every block is copied into "
    "huge pages at the same addresses") {
  if (!transparentHugePagesOffered()) return;
  mspa::test::TempDir dir;
  std::string bytes(9 << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7919 >> 5);
  mspa::test::writeFile(dir.file("weights.bin"), bytes);

  const FileMap map(dir.file("weights.bin"));
  const MemoryRange blocks = hugeBlocksOf(map.range(), map.range());
  REQUIRE(blocks.size >= 6 << 20);  // the map's partial ends stay as they are
  CHECK(makeHugeInPlace(blocks, MappedHugeBlocks::copy) == blocks.size);
  CHECK(std::memcmp(map.range().begin, bytes.data(), bytes.size()) == 0);
  // The map's own addresses read the bytes (above) from the copies: anonymous memory in mappings of
  // its own, which smaps counts as the page tables do.
  const auto fromSmaps = bytesInHugePages(blocks, HugePageCount::smaps);
  REQUIRE(fromSmaps);
  CHECK(*fromSmaps >= blocks.size - (2 << 20));
  if (const auto fromPageTables = bytesInHugePages(blocks, HugePageCount::pageTables))
    CHECK(*fromSmaps == *fromPageTables);
}
