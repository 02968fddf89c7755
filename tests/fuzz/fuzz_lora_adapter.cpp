// A PEFT adapter for the tiny Qwen2 fixture: adapter_config.json with mutated values (ranks,
// alphas, patterns, flags) and adapter_model.safetensors from the fuzzer's bytes.
#include <stdexcept>

#include "inference/model_config.h"
#include "inference/weight_source.h"
#include "tests/fuzz/json_mutator.h"

namespace {

const char* kConfig =
    R"({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "use_rslora": false, "fan_in_fan_out": false,
 "use_dora": false, "target_modules": ["q_proj"], "rank_pattern": {"layers.1.self_attn.q_proj": 4},
 "alpha_pattern": {"q_proj": 8}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string model =
      std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2/original";
  static const mspa::inference::ModelConfig config = mspa::inference::readModelConfig(model);
  mspa::fuzz::Bytes in(data, size);
  mspa::fuzz::writeScratch(
      "adapter/adapter_config.json",
      mspa::fuzz::dumpFuzzed(mspa::fuzz::mutateValues(nlohmann::json::parse(kConfig), in)));
  mspa::fuzz::writeScratch("adapter/adapter_model.safetensors", in.rest());
  try {
    const mspa::inference::WeightSource source(model, config,
                                               (mspa::fuzz::scratch() / "adapter").string());
    (void)source.loraSummaries().size();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
