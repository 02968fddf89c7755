#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "inference/internvl_model.h"
#include "inference/memory_need.h"
#include "inference/parity_check.h"
#include "inference/safetensors.h"
#include "inference/weight_source.h"
#include "tests/inference/lora_fixture.h"

using namespace mspa::inference;
using namespace mspa::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::size_t fixtureElements() {
  const SafetensorsFile file((internlm2Fixture() / "original/model.safetensors").string());
  std::size_t n = 0;
  for (const auto& t : file.tensors()) n += static_cast<std::size_t>(t.numel());
  return n;
}

}  // namespace

TEST_CASE("The default dtype is the checkpoint's own, except float16 on the CPU") {
  ModelConfig c;
  CHECK(defaultDtype(c, "cpu") == "float32");
  c.torchDtype = "bfloat16";
  CHECK(defaultDtype(c, "cpu") == "bfloat16");
  CHECK(defaultDtype(c, "cuda") == "bfloat16");
  c.torchDtype = "float16";
  CHECK(defaultDtype(c, "cpu") == "float32");
  CHECK(defaultDtype(c, "cuda") == "float16");
  CHECK(readModelConfig((internlm2Fixture() / "original").string()).torchDtype == "float32");
}

TEST_CASE(
    "Weights already in the asked dtype are used in place from the map; others are converted") {
  LoadOptions options;
  options.imageTokenId = 509;
  options.dtype = "float32";
  const auto inPlace = InternVLModel::load((internlm2Fixture() / "original").string(), options);
  CHECK(inPlace->weightBytes() == fixtureElements() * 4);
  CHECK(inPlace->weightBytesInPlace() == inPlace->weightBytes());
  CHECK(
      checkParity(*inPlace, (internlm2Fixture() / "reference.safetensors").string()).within(2e-3f));

  options.dtype = "bfloat16";
  const auto converted = InternVLModel::load((internlm2Fixture() / "original").string(), options);
  CHECK(converted->weightBytes() == fixtureElements() * 2);
  CHECK(converted->weightBytesInPlace() == 0);
  CHECK(converted->dtype() == "bfloat16");
}

TEST_CASE(
    "The memory need is stated from the headers, and a model larger than memory is refused before "
    "loading") {
  const auto config = readModelConfig((internlm2Fixture() / "original").string());
  const WeightSource fixture((internlm2Fixture() / "original").string(), config);
  const MemoryNeed f32 = describeMemoryNeed(fixture, config, "cpu", "float32");
  const MemoryNeed bf16 = describeMemoryNeed(fixture, config, "cpu", "bfloat16");
  CHECK(f32.weightBytes == fixtureElements() * 4);
  CHECK(bf16.weightBytes == fixtureElements() * 2);
  REQUIRE(f32.availableBytes);
  CHECK(f32.fits());

  // A 600 GB checkpoint (a sparse file: the header is real, the data a hole) on this machine.
  TempDir dir;
  const std::uint64_t elements = 300'000'000'000ull;
  const nlohmann::json header = {{"language_model.model.tok_embeddings.weight",
                                  {{"dtype", "BF16"},
                                   {"shape", {elements / 2048, 2048}},
                                   {"data_offsets", {0, elements * 2}}}}};
  const std::string json = header.dump();
  const std::uint64_t length = json.size();
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &length, 8);
  writeFile(dir.file("model.safetensors"), bytes + json);
  fs::resize_file(dir.file("model.safetensors"), 8 + json.size() + elements * 2);
  writeJson(dir.path() / "config.json", fixtureConfig());
  LoadOptions options;
  options.dtype = "bfloat16";
  CHECK_THROWS_WITH(InternVLModel::load(dir.path().string(), options),
                    Contains("the model needs 600.") && Contains("GB of bfloat16 weights") &&
                        Contains("the cpu has") && Contains("available: it does not fit"));
  const MemoryNeed huge =
      describeMemoryNeed(WeightSource(dir.path().string(), config), config, "cpu", "float32");
  CHECK(huge.weightBytes == elements * 4);
  CHECK_FALSE(huge.fits());
}
