#include "inference/model_merge.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "inference/checkpoint.h"
#include "inference/weight_source.h"

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

bool isWeightFile(const fs::path& p) {
  const std::string name = p.filename().string();
  return p.extension() == ".safetensors" || name == "model.safetensors.index.json" ||
         name == "config.json";
}

void writeConfig(const fs::path& from, const fs::path& to) {
  std::ifstream in(from);
  auto config = nlohmann::ordered_json::parse(in, nullptr, false);
  if (config.is_discarded()) throw std::runtime_error(from.string() + ": invalid JSON");
  for (const char* key : {"use_llm_lora", "use_backbone_lora"}) {
    if (config.contains(key)) config[key] = 0;
  }
  std::ofstream out(to);
  out << config.dump(2) << "\n";
  if (!out) throw std::runtime_error(to.string() + ": cannot write");
}

}  // namespace

MergeSummary mergeCheckpoint(const std::string& modelDir, const std::string& loraDir,
                             const std::string& outDir) {
  const fs::path in(modelDir), out(outDir);
  if (fs::exists(out) && fs::equivalent(in, out))
    throw std::runtime_error(outDir + ": is the input folder; choose another");
  if (fs::exists(out) && !fs::is_empty(out)) throw std::runtime_error(outDir + ": is not empty");
  const WeightSource source(modelDir, readModelConfig(modelDir), loraDir);
  fs::create_directories(out);

  std::map<std::string, std::vector<std::string>> shards;  // file name -> tensors, in name order
  for (const auto& [name, _] : source.tensors()) shards[source.shardOf(name)].push_back(name);
  MergeSummary summary;
  nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
  std::size_t totalBytes = 0;
  for (const auto& [file, names] : shards) {
    std::vector<SafetensorsWriter::Entry> entries;
    for (const auto& name : names) {
      const TensorInfo& info = *source.find(name)->info;
      entries.push_back({name, info.dtype, info.shape});
      weightMap[name] = file;
    }
    SafetensorsWriter writer((out / file).string(), entries);
    for (const auto& name : names) {
      const at::Tensor t = mergedTensor(source, name).contiguous();
      writer.write(t.data_ptr(), t.nbytes());
      totalBytes += t.nbytes();
      summary.mergedTensors += source.lora().count(name);
    }
    writer.finish();
    ++summary.shards;
  }
  summary.tensors = source.tensors().size();
  summary.gigabytes = static_cast<double>(totalBytes) / 1e9;
  if (fs::exists(in / "model.safetensors.index.json")) {
    std::ofstream index(out / "model.safetensors.index.json");
    index << nlohmann::ordered_json{{"metadata", {{"total_size", totalBytes}}},
                                    {"weight_map", weightMap}}
                 .dump(2)
          << "\n";
  }
  writeConfig(in / "config.json", out / "config.json");
  for (const auto& entry : fs::directory_iterator(in)) {
    if (entry.is_regular_file() && !isWeightFile(entry.path()))
      fs::copy_file(entry.path(), out / entry.path().filename());
  }
  return summary;
}

}  // namespace mspa::inference
