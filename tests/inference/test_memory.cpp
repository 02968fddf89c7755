#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "inference/huge_pages.h"
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

// The fixture with every MLP widened to `hidden` units: its own units last, the others with
// random fc1 rows and zero fc2 columns, so that the wider model computes what the fixture does.
FloatTensors widenedMlps(int64_t hidden) {
  FloatTensors tensors = readSafetensors(internlm2Fixture() / "original/model.safetensors");
  std::mt19937 rng(11);
  const auto widenRows = [&](FloatTensor& t) {  // [units, in] or [units]
    const int64_t units = t.shape[0], in = t.values.size() / units;
    FloatTensor wide = randomMatrix(hidden, in, rng);
    wide.shape[0] = hidden;
    if (t.shape.size() == 1) wide.shape.resize(1);
    std::copy(t.values.begin(), t.values.end(), wide.values.end() - t.values.size());
    t = std::move(wide);
  };
  const auto widenColumns = [&](FloatTensor& t) {  // [out, units]
    const int64_t out = t.shape[0], units = t.shape[1];
    FloatTensor wide{{out, hidden}, std::vector<float>(static_cast<std::size_t>(out * hidden))};
    for (int64_t o = 0; o < out; ++o)
      std::copy_n(t.values.begin() + o * units, units,
                  wide.values.begin() + o * hidden + hidden - units);
    t = std::move(wide);
  };
  for (auto& [name, t] : tensors) {
    const auto endsWith = [&](const std::string& tail) {
      return name.size() > tail.size() &&
             name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (endsWith("mlp.fc1.weight") || endsWith("mlp.fc1.bias") ||
        endsWith("feed_forward.w1.weight") || endsWith("feed_forward.w3.weight"))
      widenRows(t);
    else if (endsWith("mlp.fc2.weight") || endsWith("feed_forward.w2.weight"))
      widenColumns(t);
  }
  return tensors;
}

// widenedMlps as a checkpoint folder.
void writeWidenedFixture(const TempDir& dir, int64_t hidden) {
  // SafetensorsWriter aligns the data as released checkpoints are, so tensors can be used in place.
  const FloatTensors tensors = widenedMlps(hidden);
  std::vector<SafetensorsWriter::Entry> entries;
  for (const auto& [name, t] : tensors) entries.push_back({name, DType::F32, t.shape});
  SafetensorsWriter writer(dir.file("model.safetensors"), entries);
  for (const auto& [name, t] : tensors) writer.write(t.values.data(), t.values.size() * 4);
  writer.finish();
  nlohmann::json config = fixtureConfig();
  config["vision_config"]["intermediate_size"] = hidden;
  config["llm_config"]["intermediate_size"] = hidden;
  writeJson(dir.path() / "config.json", config);
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
  options.hugePages = false;
  const auto inPlace = InternVLModel::load((internlm2Fixture() / "original").string(), options);
  CHECK(inPlace->weightBytes() == fixtureElements() * 4);
  CHECK(inPlace->weightBytesInPlace() == inPlace->weightBytes());
  CHECK(inPlace->weightBytesInHugePages() == 0);
  CHECK(
      checkParity(*inPlace, (internlm2Fixture() / "reference.safetensors").string()).within(2e-3f));

  options.dtype = "bfloat16";
  const auto converted = InternVLModel::load((internlm2Fixture() / "original").string(), options);
  CHECK(converted->weightBytes() == fixtureElements() * 2);
  CHECK(converted->weightBytesInPlace() == 0);
  CHECK(converted->dtype() == "bfloat16");
}

TEST_CASE(
    "On the CPU the language model's matrices are read from huge pages, where the map holds them "
    "in "
    "place, and answer the same") {
  // 8,192 units: InternLM2's w1 and w3 take 2 MB each, so whole 2 MB blocks of the map hold them
  // (the fixture itself is smaller than one block).
  TempDir dir;
  writeWidenedFixture(dir, 8192);
  LoadOptions options;
  options.imageTokenId = 509;
  options.dtype = "float32";
  const auto huge = InternVLModel::load(dir.path().string(), options);
  options.hugePages = false;
  const auto small = InternVLModel::load(dir.path().string(), options);
  CHECK(huge->weightBytes() == small->weightBytes());
  // Nothing used in place is copied out of the map for huge pages.
  CHECK(huge->weightBytesInPlace() == small->weightBytesInPlace());
  if (transparentHugePagesOffered()) {
    // Two layers' w1 and w3 in the map and down's column blocks, 12 MB; a block may fall back.
    CHECK(huge->weightBytesInHugePages() >= 8 << 20);
  }
  const std::string reference = (internlm2Fixture() / "reference.safetensors").string();
  const ParityReport a = checkParity(*huge, reference), b = checkParity(*small, reference);
  CHECK(a.within(2e-3f));
  // The same numbers, read from other pages.
  CHECK(a.prefillMaxDiff == b.prefillMaxDiff);
  CHECK(a.stepsMaxDiff == b.stepsMaxDiff);
  CHECK(a.greedyIds == b.greedyIds);
}

TEST_CASE(
    "MLPs wider than one block load with fc2 in column blocks, copied out of the map, and answer "
    "as the fixture does") {
  // 2,048 units: two blocks of 1,024 in InternViT's MLP and InternLM2's, the fixture's own units
  // in the second, so that blocks taken in the wrong order or from the wrong columns move the
  // logits far past the tolerance.
  TempDir dir;
  writeWidenedFixture(dir, 2048);
  LoadOptions options;
  options.imageTokenId = 509;
  options.dtype = "float32";
  options.hugePages = false;  // which leaves only fc2 and down copied
  const auto model = InternVLModel::load(dir.path().string(), options);
  // Everything used in place but fc2 and down (2 + 2 layers of 64 × 2,048 float32).
  CHECK(model->weightBytesInPlace() == model->weightBytes() - 4ull * 64 * 2048 * 4);
  CHECK(checkParity(*model, (internlm2Fixture() / "reference.safetensors").string()).within(2e-3f));
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

TEST_CASE("The resident peak is Linux's VmHWM, and a reset starts it again from what is resident") {
  // `bench speed` resets it around the machine's limits, whose buffers are not the engine's.
  REQUIRE(resetPeakResidentBytes());
  const std::size_t start = peakResidentBytes().value();
  constexpr std::size_t kBlock = 256u << 20;  // freed with munmap: past glibc's mmap threshold
  {
    std::vector<char> block(kBlock, 1);  // every page touched
    volatile char last = block.back();
    CHECK(last == 1);
  }
  const std::size_t high = peakResidentBytes().value();
  CHECK(high >= start + kBlock - (8u << 20));
  REQUIRE(resetPeakResidentBytes());
  CHECK(peakResidentBytes().value() + kBlock / 2 < high);
}
