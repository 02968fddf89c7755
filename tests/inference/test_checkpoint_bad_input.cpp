#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/internvl_model.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kModel = fs::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-qwen2/original";

// A copy of the tiny model whose config and weights a test may spoil.
struct ModelCopy {
  mspa::test::TempDir dir;
  fs::path path = dir.path() / "model";
  ModelCopy() { fs::copy(kModel, path); }
  nlohmann::json config() const {
    std::ifstream in(path / "config.json");
    return nlohmann::json::parse(in);
  }
  void setConfig(const nlohmann::json& j) const {
    mspa::test::writeFile((path / "config.json").string(), j.dump());
  }
  std::string weights() const {
    std::ifstream in(path / "model.safetensors", std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void setWeights(const std::string& bytes) const {
    mspa::test::writeFile((path / "model.safetensors").string(), bytes);
  }
  std::string error() const {
    try {
      InternVLModel::load(path.string());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    FAIL("the broken checkpoint loaded");
    return {};
  }
};

}  // namespace

TEST_CASE("Checkpoints: a folder that is not a model, broken configs, unknown architectures") {
  ModelCopy m;
  fs::remove(m.path / "config.json");
  CHECK_THAT(m.error(), Contains("config.json: cannot open"));
  m.setConfig({{"architectures", {"BertModel"}}});
  CHECK_THAT(m.error(), Contains("not an InternVL checkpoint"));
  ModelCopy n;
  auto c = n.config();
  c["llm_config"].erase("hidden_size");
  n.setConfig(c);
  CHECK_THAT(n.error(), Contains("has no \"hidden_size\""));
  c = ModelCopy().config();
  c["llm_config"]["model_type"] = "mamba";
  n.setConfig(c);
  CHECK_THAT(n.error(), Contains("unsupported language model \"mamba\""));
  mspa::test::writeFile((n.path / "config.json").string(), "{ not json");
  CHECK_THAT(n.error(), Contains("invalid JSON"));
}

TEST_CASE("Checkpoints: wrong shapes, missing and extra tensors, truncated shards") {
  ModelCopy m;
  auto c = m.config();
  c["llm_config"]["intermediate_size"] = 64;  // the weights have 128
  m.setConfig(c);
  CHECK_THAT(m.error(), Contains("but the config needs"));

  ModelCopy truncated;
  const std::string bytes = truncated.weights();
  truncated.setWeights(bytes.substr(0, bytes.size() - 1000));
  CHECK_THAT(truncated.error(), Contains("outside"));

  ModelCopy fewer;
  auto config = fewer.config();
  config["llm_config"]["num_hidden_layers"] = 4;  // the weights have 3
  fewer.setConfig(config);
  CHECK_THAT(fewer.error(), Contains("no tensor 'language_model.model.layers.3"));

  ModelCopy more;
  config = more.config();
  config["llm_config"]["num_hidden_layers"] = 2;
  more.setConfig(config);
  CHECK_THAT(more.error(), Contains("are not part of the model"));

  ModelCopy none;
  fs::remove(none.path / "model.safetensors");
  CHECK_THAT(none.error(), Contains("no model.safetensors"));
}

TEST_CASE("Loading asks for a device and dtype it can give") {
  LoadOptions options;
  options.dtype = "int4";
  CHECK_THROWS_WITH(InternVLModel::load(kModel.string(), options),
                    Contains("unknown dtype 'int4'"));
  options = {};
  options.device = "tpu";
  CHECK_THROWS_WITH(InternVLModel::load(kModel.string(), options), Contains("unknown device"));
}

TEST_CASE("Checkpoints: config values that would crash or overflow are named instead") {
  const auto errorWith = [](const std::string& section, const std::string& key,
                            const nlohmann::json& value) {
    ModelCopy m;
    auto c = m.config();
    (section.empty() ? c : c[section])[key] = value;
    m.setConfig(c);
    try {
      readModelConfig(m.path.string());
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(errorWith("vision_config", "image_size", nlohmann::json::array()),
             Contains("\"image_size\" must be an integer"));
  CHECK_THAT(errorWith("vision_config", "patch_size", 0),
             Contains("\"patch_size\" must be an integer from 1"));
  CHECK_THAT(errorWith("", "downsample_ratio", 1e300),
             Contains("\"downsample_ratio\" must be a number"));
  CHECK_THAT(errorWith("", "downsample_ratio", 0.3), Contains("whole number of tokens per side"));
  CHECK_THAT(errorWith("llm_config", "hidden_size", 1e20),
             Contains("\"hidden_size\" must be an integer"));
  CHECK_THAT(errorWith("llm_config", "num_key_value_heads", 4), Contains("do not divide"));
  CHECK_THAT(errorWith("llm_config", "rms_norm_eps", "small"),
             Contains("\"rms_norm_eps\" must be a number"));
  CHECK_THAT(errorWith("", "use_llm_lora", -1),
             Contains("\"use_llm_lora\" must be an integer from 0"));
  CHECK(errorWith("llm_config", "eos_token_id", nlohmann::json::array({"x", 2})) == "accepted");
}
