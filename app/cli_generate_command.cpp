#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_commands.h"
#include "core/dataset_generator.h"
#include "core/scene.h"

namespace mspa::cli {

void addGenerateCommand(CLI::App& app) {
  auto* command = app.add_subcommand(
      "generate", "Write MultiSPA-format JSONL and images for every subtask a scene allows");
  struct Options {
    std::string scene, out;
    GenerateOptions generate;
    double minOverlap = 6, maxOverlap = 35;
  };
  auto o = std::make_shared<Options>();
  command->add_option("SCENE", o->scene, "scene folder, manifest, .npz, ...")->required();
  command->add_option("--out", o->out, "output folder (becomes the image root)")->required();
  command->add_option("--per-subtask", o->generate.perSubtask, "samples per subtask")
      ->capture_default_str();
  command->add_option("--seed", o->generate.seed, "random seed")->capture_default_str();
  command->add_option("--min-overlap", o->minOverlap, "minimum overlap of frame pairs, %")
      ->capture_default_str();
  command->add_option("--max-overlap", o->maxOverlap, "maximum overlap of frame pairs, %")
      ->capture_default_str();
  command->callback([o] {
    o->generate.minOverlap = o->minOverlap / 100;
    o->generate.maxOverlap = o->maxOverlap / 100;
    const Scene scene = loadScene(o->scene);
    const GenerateReport report = generateDataset(scene, o->out, o->generate);
    for (const auto& [subtask, n] : report.written)
      std::printf("%-45s %5d samples\n", subtask.c_str(), n);
    for (const auto& [subtask, why] : report.skipped)
      std::printf("%-45s skipped: %s\n", subtask.c_str(), why.c_str());
    std::printf("frame pairs: %zu with overlap in range of %zu tried\n", report.pairsInRange,
                report.pairsTried);
    std::printf("%zu samples in %.2f s (%.0f samples/s) written to %s\n", report.samples,
                report.seconds, report.samples / std::max(report.seconds, 1e-9), o->out.c_str());
  });
}

}  // namespace mspa::cli
