#include "inference/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mspa::inference {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kAlignment = 64;

std::size_t roundedUp(std::size_t bytes, std::size_t to) {
  return (bytes + to - 1) / to * to;
}

// A mapping of `bytes` (a multiple of kHugePage) that starts on a huge page: a larger one with
// its ragged ends given back.
void* mapAligned(std::size_t bytes) {
  const std::size_t mapped = bytes + kHugePage;
  void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t base = roundedUp(start, kHugePage);
  if (base > start) ::munmap(p, base - start);
  if (const std::size_t tail = start + mapped - (base + bytes); tail > 0)
    ::munmap(reinterpret_cast<void*>(base + bytes), tail);
  return reinterpret_cast<void*>(base);
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
  void* base = mapAligned(size);
  if (!base) return nullptr;
  // Asked before the first touch, so that each fault takes a whole huge page instead of the
  // kernel gathering small pages later.
  if (::madvise(base, size, MADV_HUGEPAGE) != 0) {
    ::munmap(base, size);
    return nullptr;
  }
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

std::size_t HugePageArena::bytesInHugePages() const {
  // smaps lists each mapping as "start-end ..." followed by its fields; the kernel may have merged
  // the arena with a neighbour of the same kind, so the one that contains its start counts.
  std::ifstream smaps("/proc/self/smaps");
  const auto base = reinterpret_cast<std::uintptr_t>(base_);
  bool inArena = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> start >> dash >> end && dash == '-') {
      inArena = start <= base && base < end;
    } else if (inArena && line.rfind("AnonHugePages:", 0) == 0) {
      std::size_t kb = 0;
      std::istringstream(line.substr(14)) >> kb;
      return std::min(kb * 1024, used_);  // a huge page past the last piece holds nothing
    }
  }
  return 0;
}

}  // namespace mspa::inference
