// A Hugging Face byte-level BPE tokenizer.json, loaded and used to encode and decode text.
#include <stdexcept>

#include "inference/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::writeScratch("bpe/tokenizer.json", {reinterpret_cast<const char*>(data), size});
  try {
    const auto tokenizer =
        mspa::inference::Tokenizer::load((mspa::fuzz::scratch() / "bpe").string());
    const auto ids =
        tokenizer->encode("Image-1: <image>\nHow far did the camera move? `1234` mm \xE4\xB8\xAD");
    (void)tokenizer->decode(ids, true);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
