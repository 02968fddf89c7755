#pragma once

// Transparent huge pages for the weights a decode step streams, no LibTorch. A decode step reads
// gigabytes of weights once each; in 4 KB pages that is a translation per page, and in a virtual
// machine each one walks two page tables. On the AMD EPYC VM of docs/PERFORMANCE.md the language
// model's matrices read at a median 46 GB/s in 2 MB pages against 30 in 4 KB pages, which also
// fell to 3-12 GB/s in one pass of three; the checkpoint's page cache mapped in 4 KB pages read at
// 3-7 GB/s in a fresh process's first passes, in 2 MB pages at 24-50.

#include <cstddef>
#include <memory>
#include <optional>

namespace mspa::inference {

// Whether the kernel gives huge pages to memory that asks for them: transparent huge pages
// "always" or "madvise" (/sys/kernel/mm/transparent_hugepage/enabled).
bool transparentHugePagesOffered();

struct MemoryRange {
  const void* begin = nullptr;
  std::size_t size = 0;
  const char* end() const { return static_cast<const char*>(begin) + size; }
};

// Where a count of huge pages comes from: the page tables (PAGEMAP_SCAN, Linux 6.7), or
// /proc/self/smaps (AnonHugePages, FilePmdMapped and ShmemPmdMapped of the mappings there, each at
// most its overlap with the range), which is all Debian 12's Linux 6.1 can say.
enum class HugePageCount { pageTables, smaps };

// What of `range` the kernel maps with huge pages now, by `count`; nothing where it cannot say.
std::optional<std::size_t> bytesInHugePages(MemoryRange range, HugePageCount count);
// The same from the page tables where the kernel can say, else from smaps.
std::size_t bytesInHugePages(MemoryRange range);

// The whole 2 MB blocks of `mapping` that hold part of `range`, which lies inside it (empty when
// none does).
MemoryRange hugeBlocksOf(MemoryRange range, MemoryRange mapping);

// Which blocks makeHugeInPlace keeps: those the page tables show mapped huge, or none (what a
// kernel that cannot say, before Linux 6.7, gets).
enum class MappedHugeBlocks { keep, copy };

// Makes `blocks` (whole 2 MB blocks of a read-only private mapping, hugeBlocksOf) read from huge
// pages where the kernel offers them, at the same addresses, so that what points into them reads
// the same bytes. Recent kernels map a file in huge pages themselves where its page cache holds 2
// MB folios (ext4 and XFS on Linux 6.x read files into them; on the VM of docs/PERFORMANCE.md a
// checkpoint read from disk is mapped so all but its last block, one just written 88%): those
// blocks are read in and kept. Every other block is copied into an anonymous huge page that then
// takes its place. Returns the bytes copied.
std::size_t makeHugeInPlace(MemoryRange blocks,
                            MappedHugeBlocks mappedHuge = MappedHugeBlocks::keep);

// Keeps a read-only private file mapping out of huge pages, for comparisons: its pages are dropped
// (the file still has them) and come back in 4 KB pages when read. Not for a mapping made huge in
// place, whose copies would be dropped with them.
void keepOutOfHugePages(MemoryRange mapping);

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
  // What has been handed out, front to back.
  MemoryRange taken() const { return {base_, used_}; }
  std::size_t size() const { return size_; }

  // Bytes an arena needs for allocations of these sizes.
  static std::size_t paddedSize(std::size_t bytes);

 private:
  HugePageArena(void* base, std::size_t size) : base_(base), size_(size) {}
  void* base_;
  std::size_t size_, used_ = 0;
};

}  // namespace mspa::inference
