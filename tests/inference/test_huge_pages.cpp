#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "inference/huge_pages.h"

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
  CHECK(arena->bytesInHugePages() == 0);  // nothing touched yet
  std::memset(arena->take(8 << 20), 1, 8 << 20);
  // The kernel may fall back to small pages when no 2 MB of it is free; one would be rare here.
  CHECK(arena->bytesInHugePages() >= 6 << 20);
  CHECK(arena->bytesInHugePages() <= 8 << 20);
}
