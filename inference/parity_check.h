#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inference/internvl_model.h"

namespace mspa::inference {

// How far the engine is from a reference run (../shared/fixtures/internvl/README.md): the
// fixture's tiles and input ids go through the model; its outputs are compared with the
// reference's vision embeddings of the first tile, logits of the last 16 prompt positions, and
// logits at each greedy decode step (through the KV cache).
struct ParityReport {
  float visionMaxDiff = 0;
  float prefillMaxDiff = 0;
  float stepsMaxDiff = 0;
  std::vector<std::int64_t> greedyIds, referenceIds;
  bool greedyMatches() const { return greedyIds == referenceIds; }
  bool within(float tolerance) const {
    return greedyMatches() && prefillMaxDiff <= tolerance && stepsMaxDiff <= tolerance;
  }
};

// Throws std::runtime_error naming the reference file when it lacks a tensor or its shapes do
// not fit the model.
ParityReport checkParity(InternVLModel& model, const std::string& referencePath);

}  // namespace mspa::inference
