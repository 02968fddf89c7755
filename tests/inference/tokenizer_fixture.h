#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

// A SentencePiece BPE model trained here with Debian's spm_train (vocabulary 300, ids 0-299;
// identity normalization and byte fallback, like InternLM2's) plus
// InternLM2-style added tokens at the ids the tiny InternLM2 fixture uses for images.
inline void writeSentencePieceTokenizer(const std::filesystem::path& dir) {
  const std::string corpus = (dir / "corpus.txt").string();
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text +=
        "The camera moved left and the table is closer to the camera than the cabinet.\n"
        "How far did the point travel between the two shots? It traveled 950 millimeters.\n"
        "Which point is closer: A or B? Point B is closer. The depth is 1234 mm.\n";
  }
  writeFile(corpus, text);
  const auto r =
      runProcess("spm_train --input=" + shellQuote(corpus) +
                 " --model_prefix=" + shellQuote((dir / "tokenizer").string()) +
                 " --vocab_size=300 --model_type=bpe --byte_fallback=true --character_coverage=1.0"
                 " --normalization_rule_name=identity --remove_extra_whitespaces=false");
  if (r.exitCode != 0) throw std::runtime_error("spm_train failed: " + r.err);
  std::filesystem::remove(dir / "tokenizer.vocab");
  writeFile((dir / "added_tokens.json").string(), nlohmann::json{{"<|im_start|>", 500},
                                                                 {"<|im_end|>", 501},
                                                                 {"<IMG_CONTEXT>", 509},
                                                                 {"<img>", 510},
                                                                 {"</img>", 511}}
                                                      .dump());
  writeFile((dir / "tokenizer_config.json").string(),
            nlohmann::json{{"add_bos_token", true}}.dump());
}

// A model folder with the tiny InternLM2 fixture's config.json (template internlm2-chat) and the
// tokenizer above but no weights: all that building a prompt may read.
inline void writePromptOnlyModel(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2/original/config.json",
      dir / "config.json", std::filesystem::copy_options::overwrite_existing);
  writeSentencePieceTokenizer(dir);
}

}  // namespace mspa::test
