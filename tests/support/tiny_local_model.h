#pragma once

#include <filesystem>

#include "core/ask.h"
#include "tests/inference/tokenizer_fixture.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

// Local backend settings for the tiny InternLM2 fixture (a trained SentencePiece tokenizer beside
// it), one tile per image: what GUI tests ask when they need a model that explains.
inline BackendSettings tinyLocalModel(const TempDir& models, int maxNewTokens) {
  const auto model = models.path() / "tiny";
  std::filesystem::copy(
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2/original", model);
  writeSentencePieceTokenizer(model);
  BackendSettings local;
  local.kind = BackendSettings::Kind::Local;
  local.modelDir = model.string();
  local.tilesPerImage = 1;
  local.maxNewTokens = maxNewTokens;
  return local;
}

}  // namespace mspa::test
