// MultiSPA JSONL read as a benchmark and as predictions, then scored against itself as
// `mspa score` does (truth types, answers, reports in every format).
#include <stdexcept>

#include "core/multispa_sample.h"
#include "core/score_report.h"
#include "core/scorer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      mspa::fuzz::writeScratch("samples.jsonl", {reinterpret_cast<const char*>(data), size});
  try {
    const mspa::SampleFile samples = mspa::readSampleFile(path);
    const mspa::PredictionFile predictions = mspa::readPredictionFile(path);
    const mspa::ScoreReport report = mspa::scoreRuns(samples, {{"fuzz", predictions}});
    for (const char* format : {"table", "md", "csv", "latex", "json"}) {
      (void)mspa::renderReport(report, mspa::parseReportFormat(format));
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
