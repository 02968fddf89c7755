#include "inference/parity_check.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "inference/safetensors.h"

namespace mspa::inference {
namespace {

template <typename T>
std::vector<T> values(const SafetensorsFile& file, const std::string& name, DType dtype) {
  const TensorInfo* t = file.find(name);
  if (!t || t->dtype != dtype)
    throw std::runtime_error(file.path() + ": no " + dtypeName(dtype) + " tensor '" + name + "'");
  std::vector<T> out(static_cast<std::size_t>(t->numel()));
  std::memcpy(out.data(), file.data(*t), out.size() * sizeof(T));
  return out;
}

float maxDifference(const float* a, const float* b, std::size_t n) {
  float worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace

ParityReport checkParity(InternVLModel& model, const std::string& referencePath) {
  const SafetensorsFile reference(referencePath);
  const TensorInfo* tiles = reference.find("tiles_u8");
  if (!tiles || tiles->dtype != DType::U8 || tiles->shape.size() != 4)
    throw std::runtime_error(referencePath + ": no [N,448,448,3] tiles_u8");
  const int tileCount = static_cast<int>(tiles->shape[0]);
  const auto vocab = static_cast<std::size_t>(model.config().llm.vocab);
  ParityReport report;

  const auto firstTile = values<float>(reference, "vision_embeds_first_tile", DType::F32);
  const auto vision = model.visionEmbeddings(reference.data(*tiles), 1);
  if (vision.size() != firstTile.size())
    throw std::runtime_error(referencePath + ": vision embeddings do not fit this model");
  report.visionMaxDiff = maxDifference(vision.data(), firstTile.data(), vision.size());

  const auto ids = values<std::int64_t>(reference, "input_ids", DType::I64);
  report.referenceIds = values<std::int64_t>(reference, "greedy_ids", DType::I64);
  const auto last16 = values<float>(reference, "logits_last16", DType::F32);
  model.prefill(ids, {reference.data(*tiles), {tileCount}},
                static_cast<int>(report.referenceIds.size()),
                static_cast<int>(last16.size() / vocab));
  const auto logits = model.logits();
  if (logits.size() != last16.size())
    throw std::runtime_error(referencePath + ": logits do not fit this model's vocabulary");
  report.prefillMaxDiff = maxDifference(logits.data(), last16.data(), logits.size());

  const auto steps = values<float>(reference, "logits_steps", DType::F32);
  std::vector<float> current(logits.end() - static_cast<long>(vocab), logits.end());
  for (std::size_t i = 0; i < report.referenceIds.size(); ++i) {
    report.stepsMaxDiff = std::max(report.stepsMaxDiff,
                                   maxDifference(current.data(), steps.data() + i * vocab, vocab));
    report.greedyIds.push_back(std::max_element(current.begin(), current.end()) - current.begin());
    // Feed the reference's token so later steps stay comparable even after a mismatch.
    model.step(report.referenceIds[i]);
    current = model.logits();
  }
  return report;
}

}  // namespace mspa::inference
