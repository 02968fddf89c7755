// An OpenAI-compatible server's reply, streamed (server-sent events) or plain JSON, split into
// chunks where the fuzzer says, as libcurl hands it over.
#include "app/backends/completion_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::Bytes in(data, size);
  const std::size_t chunk = in.byte() % 64 + 1;
  std::size_t streamed = 0;
  mspa::backends::CompletionReader reader([&](const std::string& text) { streamed = text.size(); });
  while (in.left() > 0) {
    const auto part = in.text(chunk);
    reader.feed(part.data(), part.size());
  }
  reader.finish();
  (void)streamed;
  return 0;
}
