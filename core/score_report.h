#pragma once

#include <string>

#include "core/scorer.h"

namespace mspa {

enum class ReportFormat { Table, Markdown, Csv, Latex, Json };

// Parses "table", "md", "csv", "latex" or "json"; throws std::invalid_argument otherwise.
ReportFormat parseReportFormat(const std::string& name);

// The Table-2 view (12 columns with sample counts and the unweighted average), then accuracy per
// question_type, parse failures and missing predictions; one value column per model.
std::string renderReport(const ScoreReport& report, ReportFormat format);

}  // namespace mspa
