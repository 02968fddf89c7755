#pragma once

// Transparent huge pages for the weights a decode step streams, no LibTorch. A decode step reads
// gigabytes of weights once each; in 4 KB pages that is a translation per page, and in a virtual
// machine each one walks two page tables. On the AMD EPYC VM of docs/PERFORMANCE.md the language
// model's matrices read at a median 46 GB/s in 2 MB pages against 30 in 4 KB pages, which also
// fell to 3-12 GB/s in one pass of three.

#include <cstddef>
#include <memory>

namespace mspa::inference {

// Whether the kernel gives huge pages to memory that asks for them: transparent huge pages
// "always" or "madvise" (/sys/kernel/mm/transparent_hugepage/enabled).
bool transparentHugePagesOffered();

// One anonymous mapping that starts on a 2 MB boundary and asks for huge pages before anything
// touches it, handed out front to back. Tensors placed in it keep it alive.
class HugePageArena {
 public:
  // Null where huge pages are not offered or the mapping fails: callers keep their memory.
  static std::shared_ptr<HugePageArena> create(std::size_t bytes);
  ~HugePageArena();
  HugePageArena(const HugePageArena&) = delete;
  HugePageArena& operator=(const HugePageArena&) = delete;

  // The next `bytes`, 64-byte aligned; throws std::logic_error past the arena's size.
  void* take(std::size_t bytes);
  // What the kernel holds of the pieces handed out in huge pages now (AnonHugePages in
  // /proc/self/smaps, at most the bytes taken).
  std::size_t bytesInHugePages() const;
  std::size_t size() const { return size_; }

  // Bytes an arena needs for allocations of these sizes.
  static std::size_t paddedSize(std::size_t bytes);

 private:
  HugePageArena(void* base, std::size_t size) : base_(base), size_(size) {}
  void* base_;
  std::size_t size_, used_ = 0;
};

}  // namespace mspa::inference
