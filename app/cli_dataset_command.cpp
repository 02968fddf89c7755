#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_commands.h"
#include "core/input_error.h"
#include "dataset_browser/dataset_annotations.h"
#include "dataset_browser/dataset_index.h"
#include "dataset_browser/dataset_query.h"

namespace mspa::cli {
namespace {

struct DatasetOptions {
  std::vector<std::string> paths;
  std::string indexDir;
};

// Opens (building or rebuilding as needed) with a progress line on a terminal.
dataset::DatasetIndex openIndex(const DatasetOptions& o) {
  const bool terminal = ::isatty(STDERR_FILENO);
  bool rebuilt = false;
  std::string why;
  auto index = dataset::DatasetIndex::open(
      o.paths,
      [&](const dataset::IndexProgress& p) {
        if (terminal)
          std::fprintf(stderr, "\rindexing %5.1f%%  %llu samples  %.0f samples/s ",
                       p.fraction * 100, static_cast<unsigned long long>(p.samples),
                       p.samples / std::max(p.seconds, 1e-9));
        return true;
      },
      &rebuilt, &why, o.indexDir);
  if (terminal && rebuilt) std::fputc('\n', stderr);
  if (rebuilt && why != "no index yet") std::fprintf(stderr, "re-indexed: %s\n", why.c_str());
  return index;
}

void addPaths(CLI::App* command, DatasetOptions& o) {
  command->add_option("PATH", o.paths, "MultiSPA JSONL files")->required();
  command->add_option("--index-dir", o.indexDir,
                      "where the index lives (default: beside the first file, or ~/.cache)");
}

void printIndex(const dataset::DatasetIndex& index) {
  std::printf("%zu samples in %zu files, %llu malformed lines; index %s (built in %.2f s)\n",
              index.size(), index.files().size(),
              static_cast<unsigned long long>(index.malformedLines()), index.directory().c_str(),
              index.buildSeconds());
  for (const auto& f : index.files()) {
    for (std::size_t i = 0; i < f.malformedLines.size(); ++i) {
      std::printf("  %s:%llu: %s\n", f.path.c_str(),
                  static_cast<unsigned long long>(f.malformedLines[i]),
                  f.malformedProblems[i].c_str());
    }
    if (f.malformed > f.malformedLines.size())
      std::printf("  %s: %llu more\n", f.path.c_str(),
                  static_cast<unsigned long long>(f.malformed - f.malformedLines.size()));
  }
}

void printStats(const dataset::DatasetStats& s) {
  std::printf("samples: %llu   malformed lines: %llu   scenes: %zu\n",
              static_cast<unsigned long long>(s.samples),
              static_cast<unsigned long long>(s.malformed), s.byScene.size());
  std::printf("\nper question_type:\n");
  for (const auto& [type, n] : s.byQuestionType)
    std::printf("  %-45s %10llu\n", type.c_str(), static_cast<unsigned long long>(n));
  std::printf("\nper Table-2 column:\n");
  for (const auto& [column, n] : s.byColumn)
    std::printf("  %-45s %10llu\n", column.c_str(), static_cast<unsigned long long>(n));
  std::printf("\nper split:\n");
  for (const auto& [split, n] : s.bySplit)
    std::printf("  %-45s %10llu\n", split.c_str(), static_cast<unsigned long long>(n));
  std::printf("\nanswers:\n");
  for (const auto& [type, top] : s.topAnswers) {
    std::printf("  %s:", type.c_str());
    for (const auto& [answer, n] : top)
      std::printf(" %s %llu", answer.c_str(), static_cast<unsigned long long>(n));
    std::printf("\n");
  }
  for (const auto& [type, n] : s.numbers) {
    std::printf("  %s: %llu numbers, min %g, median %g, max %g\n", type.c_str(),
                static_cast<unsigned long long>(n.count), n.min, n.median, n.max);
  }
}

dataset::SortKey parseSortKey(const std::string& name) {
  using K = dataset::SortKey;
  const std::pair<const char*, K> keys[] = {
      {"file", K::File},     {"question_type", K::QuestionType},
      {"column", K::Column}, {"scene", K::Scene},
      {"images", K::Images}, {"answer", K::Answer}};
  for (const auto& [n, k] : keys) {
    if (name == n) return k;
  }
  throw InputError("--sort " + name,
                   "unknown key (file, question_type, column, scene, images, answer)");
}

std::size_t findRow(const dataset::DatasetIndex& index, const std::string& id) {
  const std::uint64_t hash = dataset::DatasetIndex::hashId(id);
  for (std::size_t row = 0; row < index.size(); ++row) {
    if (index.idHash(row) == hash) return row;
  }
  throw InputError("id " + id, "not in the dataset");
}

}  // namespace

void addDatasetCommand(CLI::App& app) {
  auto* dataset = app.add_subcommand(
      "dataset", "Index, inspect, query and annotate MultiSPA datasets at full scale");
  dataset->require_subcommand(1);

  auto* indexCommand =
      dataset->add_subcommand("index", "Build (or refresh) the persistent index of JSONL files");
  auto indexOptions = std::make_shared<DatasetOptions>();
  addPaths(indexCommand, *indexOptions);
  indexCommand->callback([indexOptions] { printIndex(openIndex(*indexOptions)); });

  auto* stats = dataset->add_subcommand(
      "stats", "Counts per question_type, column, split and scene; answer distributions");
  auto statsOptions = std::make_shared<DatasetOptions>();
  addPaths(stats, *statsOptions);
  stats->callback([statsOptions] { printStats(dataset::computeStats(openIndex(*statsOptions))); });

  auto* query = dataset->add_subcommand("query", "Print the samples that match, as JSONL");
  struct QueryOptions : DatasetOptions {
    std::string where, sort = "file";
    bool descending = false;
    std::size_t limit = 0;
  };
  auto q = std::make_shared<QueryOptions>();
  addPaths(query, *q);
  query->add_option("--where", q->where,
                    "question_type=A|B,column=…,scene=…,split=…,images=N,flagged=yes|no,text=…");
  query->add_option("--sort", q->sort, "file, question_type, column, scene, images or answer")
      ->capture_default_str();
  query->add_flag("--desc", q->descending, "descending order");
  query->add_option("--limit", q->limit, "at most this many samples (0: all)");
  query->callback([q] {
    const auto index = openIndex(*q);
    const dataset::Annotations annotations(dataset::Annotations::defaultPath(index));
    auto rows = dataset::filterRows(index, dataset::parseWhere(q->where), &annotations);
    dataset::sortRows(index, rows, parseSortKey(q->sort), q->descending);
    if (q->limit && rows.size() > q->limit) rows.resize(q->limit);
    for (auto row : rows) std::printf("%s\n", index.line(row).c_str());
  });

  auto* annotate = dataset->add_subcommand(
      "annotate", "Flag a sample, note it or correct its answer (saved in a sidecar database)");
  struct AnnotateOptions : DatasetOptions {
    std::string id, flag = "other", note, corrected;
    bool undo = false;
  };
  auto a = std::make_shared<AnnotateOptions>();
  addPaths(annotate, *a);
  annotate->add_option("--id", a->id, "sample id");
  annotate->add_option("--flag", a->flag, "none, wrong_truth, ambiguous, bad_image or other")
      ->capture_default_str();
  annotate->add_option("--note", a->note, "free text");
  annotate->add_option("--corrected", a->corrected, "the corrected answer");
  annotate->add_flag("--undo", a->undo, "revert the last annotation instead");
  annotate->callback([a] {
    const auto index = openIndex(*a);
    dataset::Annotations annotations(dataset::Annotations::defaultPath(index));
    if (a->undo) {
      std::printf(annotations.undo() ? "undone\n" : "nothing to undo\n");
      return;
    }
    if (a->id.empty()) throw CLI::ValidationError("annotate", "needs --id (or --undo)");
    const std::string key = dataset::Annotations::keyOf(index, findRow(index, a->id));
    annotations.save(key, {dataset::parseFlag(a->flag), a->note, a->corrected});
    std::printf("saved %s in %s\n", key.c_str(), annotations.path().c_str());
  });

  auto* exportCommand = dataset->add_subcommand(
      "export", "Write the flagged samples (JSONL) or a corrected copy of the dataset");
  struct ExportOptions : DatasetOptions {
    std::string flagged, corrected;
  };
  auto e = std::make_shared<ExportOptions>();
  addPaths(exportCommand, *e);
  exportCommand->add_option("--flagged", e->flagged,
                            "write the flagged samples to this JSONL file");
  exportCommand->add_option("--corrected", e->corrected,
                            "write a corrected copy of every file into this folder");
  exportCommand->callback([e] {
    const auto index = openIndex(*e);
    const dataset::Annotations annotations(dataset::Annotations::defaultPath(index));
    if (!e->flagged.empty())
      std::printf("%zu flagged samples written to %s\n",
                  dataset::exportFlagged(index, annotations, e->flagged), e->flagged.c_str());
    if (!e->corrected.empty()) {
      std::printf("%zu corrected samples; copy written to %s\n",
                  dataset::exportCorrected(index, annotations, e->corrected), e->corrected.c_str());
    }
  });
}

}  // namespace mspa::cli
