// A SentencePiece tokenizer.model (protobuf), loaded and used to encode and decode text; the
// last bytes become tokenizer_config.json / added_tokens.json when they parse as JSON.
#include <stdexcept>

#include "inference/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::writeScratch("spm/tokenizer.model", {reinterpret_cast<const char*>(data), size});
  try {
    const auto tokenizer =
        mspa::inference::Tokenizer::load((mspa::fuzz::scratch() / "spm").string());
    const auto ids = tokenizer->encode(
        "The camera moved 950 mm to the left. \xC3\xA9\xF0\x9F\x98\x80<|im_end|>");
    (void)tokenizer->decode(ids, false);
    (void)tokenizer->decode({0, 1, 2, 3, 255, 256, 1000, -1, 1ll << 40}, true);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
