#include "inference/huge_pages.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mspa::inference {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kAlignment = 64;
constexpr int kPopulateRead = 22;  // MADV_POPULATE_READ, Linux 5.14; Debian 12's headers lack it

std::size_t roundedUp(std::size_t bytes, std::size_t to) {
  return (bytes + to - 1) / to * to;
}

std::uintptr_t address(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

// Linux 6.7's PAGEMAP_SCAN (uapi/linux/fs.h), spelt out because Debian 12's headers predate it.
struct PageRegion {
  std::uint64_t start, end, categories;
};
struct PageScanArgs {
  std::uint64_t size, flags, start, end, walkEnd, vec, vecLength, maxPages, categoryInverted,
      categoryMask, categoryAnyOfMask, returnMask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PageScanArgs);
constexpr std::uint64_t kPageIsHuge = 1 << 6;

using Regions = std::vector<std::pair<std::uintptr_t, std::uintptr_t>>;

// The regions of [begin, end) (page aligned) that huge pages map, or nothing where the kernel
// cannot say.
std::optional<Regions> hugeRegions(std::uintptr_t begin, std::uintptr_t end) {
  const int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (pagemap < 0) return std::nullopt;
  PageRegion found[256];
  PageScanArgs args{};
  args.size = sizeof args;
  args.start = begin;
  args.end = end;
  args.vec = address(found);
  args.vecLength = std::size(found);
  args.categoryMask = args.returnMask = kPageIsHuge;
  Regions out;
  for (;;) {
    const long n = ::ioctl(pagemap, kPagemapScan, &args);
    if (n < 0) {
      ::close(pagemap);
      return std::nullopt;
    }
    for (long i = 0; i < n; ++i) out.emplace_back(found[i].start, found[i].end);
    if (n < static_cast<long>(args.vecLength) || args.walkEnd >= args.end) break;
    args.start = args.walkEnd;  // the list filled up before the walk reached the end
  }
  ::close(pagemap);
  return out;
}

std::size_t overlap(std::uintptr_t a, std::uintptr_t b, std::uintptr_t c, std::uintptr_t d) {
  return std::max(a, c) < std::min(b, d) ? std::min(b, d) - std::max(a, c) : 0;
}

// AnonHugePages, FilePmdMapped and ShmemPmdMapped of the mappings that overlap [begin, end), each
// at most its overlap.
std::size_t hugeBytesFromSmaps(std::uintptr_t begin, std::uintptr_t end) {
  std::ifstream smaps("/proc/self/smaps");
  std::size_t total = 0, inMapping = 0, huge = 0;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t start = 0, stop = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> stop && dash == '-') {
      total += std::min(huge, inMapping);
      inMapping = overlap(begin, end, start, stop);
      huge = 0;
    } else if (inMapping &&
               (line.rfind("AnonHugePages:", 0) == 0 || line.rfind("FilePmdMapped:", 0) == 0 ||
                line.rfind("ShmemPmdMapped:", 0) == 0)) {
      std::size_t kb = 0;
      std::istringstream(line.substr(line.find(':') + 1)) >> kb;
      huge += kb * 1024;
    }
  }
  return total + std::min(huge, inMapping);
}

// An anonymous mapping of `bytes` (a multiple of kHugePage) that starts on a huge page (a larger
// one with its ragged ends given back) and asks for huge pages before the first touch, so that each
// fault takes a whole huge page instead of the kernel gathering small pages later. Null where it
// cannot be made.
void* mapHugePages(std::size_t bytes) {
  const std::size_t mapped = bytes + kHugePage;
  void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const std::uintptr_t start = address(p), base = roundedUp(start, kHugePage);
  if (base > start) ::munmap(p, base - start);
  if (const std::size_t tail = start + mapped - (base + bytes); tail > 0)
    ::munmap(reinterpret_cast<void*>(base + bytes), tail);
  if (::madvise(reinterpret_cast<void*>(base), bytes, MADV_HUGEPAGE) != 0) {
    ::munmap(reinterpret_cast<void*>(base), bytes);
    return nullptr;
  }
  return reinterpret_cast<void*>(base);
}

// Puts a copy of [at, at + size) (whole 2 MB blocks of a read-only mapping) in anonymous huge pages
// and moves them over it: the page tables move, the bytes do not again. False where it could not.
bool replaceWithHugePages(char* at, std::size_t size) {
  void* fresh = mapHugePages(size);
  if (!fresh) return false;
  const auto blocks = static_cast<std::int64_t>(size / kHugePage);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < blocks; ++i)
    std::memcpy(static_cast<char*>(fresh) + i * kHugePage, at + i * kHugePage, kHugePage);
  if (::mprotect(fresh, size, PROT_READ) != 0 ||
      ::mremap(fresh, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, at) == MAP_FAILED) {
    ::munmap(fresh, size);
    return false;
  }
  return true;
}

}  // namespace

bool transparentHugePagesOffered() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(setting, line);
  return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
}

std::size_t HugePageArena::paddedSize(std::size_t bytes) {
  return roundedUp(bytes, kAlignment);
}

std::shared_ptr<HugePageArena> HugePageArena::create(std::size_t bytes) {
  if (bytes == 0 || !transparentHugePagesOffered()) return nullptr;
  const std::size_t size = roundedUp(bytes, kHugePage);
  void* base = mapHugePages(size);
  if (!base) return nullptr;
  return std::shared_ptr<HugePageArena>(new HugePageArena(base, size));
}

HugePageArena::~HugePageArena() {
  ::munmap(base_, size_);
}

void* HugePageArena::take(std::size_t bytes) {
  const std::size_t padded = paddedSize(bytes);
  if (padded > size_ - used_) throw std::logic_error("huge page arena overrun");
  void* p = static_cast<char*>(base_) + used_;
  used_ += padded;
  return p;
}

std::optional<std::size_t> bytesInHugePages(MemoryRange range, HugePageCount count) {
  if (range.size == 0) return 0;
  const std::uintptr_t begin = address(range.begin), end = address(range.end());
  if (count == HugePageCount::smaps) return hugeBytesFromSmaps(begin, end);
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto regions = hugeRegions(begin / page * page, roundedUp(end, page));
  if (!regions) return std::nullopt;
  std::size_t bytes = 0;
  for (const auto& [start, stop] : *regions) bytes += overlap(begin, end, start, stop);
  return bytes;
}

std::size_t bytesInHugePages(MemoryRange range) {
  if (const auto bytes = bytesInHugePages(range, HugePageCount::pageTables)) return *bytes;
  return *bytesInHugePages(range, HugePageCount::smaps);
}

MemoryRange hugeBlocksOf(MemoryRange range, MemoryRange mapping) {
  const std::uintptr_t first = std::max(address(range.begin) / kHugePage * kHugePage,
                                        roundedUp(address(mapping.begin), kHugePage));
  const std::uintptr_t last = std::min(roundedUp(address(range.end()), kHugePage),
                                       address(mapping.end()) / kHugePage * kHugePage);
  if (first >= last) return {};
  return {reinterpret_cast<const void*>(first), last - first};
}

std::size_t makeHugeInPlace(MemoryRange blocks, MappedHugeBlocks mappedHuge) {
  if (blocks.size == 0 || !transparentHugePagesOffered()) return 0;
  auto* begin = static_cast<char*>(const_cast<void*>(blocks.begin));
  // Asked before the pages are read in, so that a file read from disk comes in 2 MB folios.
  ::madvise(begin, blocks.size, MADV_HUGEPAGE);
  ::madvise(begin, blocks.size, kPopulateRead);  // where it fails, the copies read the pages
  const Regions huge =
      mappedHuge == MappedHugeBlocks::keep
          ? hugeRegions(address(begin), address(begin) + blocks.size).value_or(Regions{})
          : Regions{};
  const auto isMappedHuge = [&](const char* block) {
    return std::any_of(huge.begin(), huge.end(), [&](const auto& region) {
      return region.first <= address(block) && address(block) + kHugePage <= region.second;
    });
  };
  std::size_t copied = 0;
  char* const end = begin + blocks.size;
  for (char* block = begin; block < end;) {
    char* const run = block;
    while (block < end && !isMappedHuge(block)) block += kHugePage;
    if (block > run && replaceWithHugePages(run, static_cast<std::size_t>(block - run)))
      copied += static_cast<std::size_t>(block - run);
    if (block < end) block += kHugePage;
  }
  return copied;
}

void keepOutOfHugePages(MemoryRange mapping) {
  auto* begin = const_cast<void*>(mapping.begin);
  ::madvise(begin, mapping.size, MADV_NOHUGEPAGE);
  ::madvise(begin, mapping.size, MADV_DONTNEED);
}

}  // namespace mspa::inference
