#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli_commands.h"
#include "core/multispa_sample.h"
#include "core/score_report.h"

namespace mspa::cli {
namespace {

struct ScoreOptions {
  std::string benchmark;
  std::vector<std::string> predictions;
  std::vector<std::string> names;
  std::string format = "table";
  bool strict = false;
};

void printDiagnostics(const std::vector<Diagnostic>& diagnostics, const std::string& file) {
  constexpr std::size_t kShown = 20;
  for (std::size_t i = 0; i < diagnostics.size() && i < kShown; ++i) {
    const auto& d = diagnostics[i];
    std::cerr << (d.file.empty() ? file : d.file);
    if (d.line > 0) std::cerr << ":" << d.line;
    std::cerr << ": " << d.problem << "\n";
  }
  if (diagnostics.size() > kShown)
    std::cerr << file << ": ... and " << diagnostics.size() - kShown << " more problems\n";
}

void run(const ScoreOptions& options) {
  const ReportFormat format = parseReportFormat(options.format);
  const SampleFile benchmark = readSampleFile(options.benchmark);
  std::vector<NamedPredictions> runs;
  for (std::size_t i = 0; i < options.predictions.size(); ++i) {
    NamedPredictions run;
    run.file = readPredictionFile(options.predictions[i]);
    run.name =
        i < options.names.size() ? options.names[i]
        : run.file.run.is_object() && run.file.run.contains("model") &&
                run.file.run["model"].is_string()
            ? std::filesystem::path(run.file.run["model"].get<std::string>()).filename().string()
            : std::filesystem::path(options.predictions[i]).stem().string();
    runs.push_back(std::move(run));
  }
  const ScoreReport report =
      scoreRuns(benchmark, runs, options.strict ? ParseMode::Strict : ParseMode::Lenient);
  printDiagnostics(report.benchmarkDiagnostics, options.benchmark);
  for (std::size_t i = 0; i < report.models.size(); ++i)
    printDiagnostics(report.models[i].diagnostics, options.predictions[i]);
  std::cerr << "scored " << report.samples << " samples of " << options.benchmark << " ("
            << benchmark.samples.size() + benchmark.malformedLines << " lines read, "
            << report.benchmarkDiagnostics.size() << " problems)\n";
  std::fputs(renderReport(report, format).c_str(), stdout);
}

}  // namespace

void addScoreCommand(CLI::App& app) {
  auto* command = app.add_subcommand(
      "score", "Score model answers on a MultiSPA benchmark as the paper defines it");
  auto options = std::make_shared<ScoreOptions>();
  command
      ->add_option("--gt", options->benchmark, "benchmark JSONL (MultiSPA samples with gt_value)")
      ->required();
  command
      ->add_option("--pred", options->predictions,
                   "predictions JSONL ({\"id\", \"text\"}), one per model")
      ->required();
  command->add_option(
      "--name", options->names,
      "a column name per --pred (default: the run header's model or the file name)");
  command->add_option("--format", options->format, "table, md, csv, latex or json")
      ->capture_default_str();
  command->add_flag("--strict", options->strict, "accept only the canonical `value` in backticks");
  command->callback([options] { run(*options); });
}

}  // namespace mspa::cli
