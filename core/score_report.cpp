#include "core/score_report.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace mspa {
namespace {

// The report as rows of cells, rendered by each format.
struct Row {
  std::string label;
  std::string n;
  std::vector<std::string> values;
  bool emphasis = false;
};

struct Section {
  std::string title;
  std::vector<Row> rows;
};

std::string percent(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << value;
  return out.str();
}

std::vector<Section> sections(const ScoreReport& report) {
  const auto cell = [&](const auto& map, const std::string& key, auto&& format) {
    std::vector<std::string> values;
    for (const auto& model : report.models) {
      const auto& tallies = map(model);
      const auto it = tallies.find(key);
      values.push_back(it == tallies.end() || it->second.total == 0 ? "-" : format(it->second));
    }
    return values;
  };
  const auto countOf = [&](const auto& map, const std::string& key) {
    if (report.models.empty()) return std::string("0");
    const auto& tallies = map(report.models.front());
    const auto it = tallies.find(key);
    return std::to_string(it == tallies.end() ? 0 : it->second.total);
  };
  const auto columns = [](const ModelScores& m) -> const std::map<std::string, Tally>& {
    return m.byColumn;
  };
  const auto types = [](const ModelScores& m) -> const std::map<std::string, Tally>& {
    return m.byQuestionType;
  };
  const auto accuracy = [](const Tally& t) { return percent(t.accuracy()); };

  Section table2{"Table 2 (accuracy %, columns pooled over their subtasks)", {}};
  for (const auto& column : table2Columns())
    table2.rows.push_back({column, countOf(columns, column), cell(columns, column, accuracy)});
  Row average{"Average", "", {}, true};
  for (const auto& model : report.models) {
    average.values.push_back(model.columnsScored ? percent(model.average) : "-");
  }
  table2.rows.push_back(average);

  Section subtasks{"Per question_type (accuracy %)", {}};
  for (const auto& type : report.questionTypes)
    subtasks.rows.push_back({type, countOf(types, type), cell(types, type, accuracy)});

  Section problems{"Answers that could not be scored", {}};
  Row failures{"Parse failures (counted wrong)", "", {}},
      missing{"Missing predictions (counted wrong)", "", {}};
  Row columnsRow{"Columns with samples", "", {}};
  for (const auto& model : report.models) {
    Tally all;
    for (const auto& [type, t] : model.byQuestionType) all.add(t);
    failures.values.push_back(std::to_string(all.parseFailures) + " (" +
                              percent(all.total ? 100.0 * all.parseFailures / all.total : 0) +
                              "%)");
    missing.values.push_back(std::to_string(all.missing));
    columnsRow.values.push_back(std::to_string(model.columnsScored) + "/12");
  }
  problems.rows = {failures, missing, columnsRow};
  return {table2, subtasks, problems};
}

std::vector<std::string> modelNames(const ScoreReport& report) {
  std::vector<std::string> names;
  for (const auto& m : report.models) names.push_back(m.name);
  return names;
}

std::string renderTable(const ScoreReport& report) {
  const auto names = modelNames(report);
  const auto all = sections(report);
  std::size_t labelWidth = 10;
  for (const auto& s : all) {
    for (const auto& r : s.rows) labelWidth = std::max(labelWidth, r.label.size());
  }
  std::vector<std::size_t> widths;
  for (const auto& n : names) widths.push_back(std::max<std::size_t>(n.size(), 8));
  std::ostringstream out;
  for (const auto& s : all) {
    out << s.title << "\n";
    out << std::left << std::setw(static_cast<int>(labelWidth)) << "" << std::right << std::setw(7)
        << "n";
    for (std::size_t i = 0; i < names.size(); ++i)
      out << "  " << std::setw(static_cast<int>(widths[i])) << names[i];
    out << "\n";
    for (const auto& r : s.rows) {
      out << std::left << std::setw(static_cast<int>(labelWidth)) << r.label << std::right
          << std::setw(7) << r.n;
      for (std::size_t i = 0; i < r.values.size(); ++i)
        out << "  " << std::setw(static_cast<int>(widths[i])) << r.values[i];
      out << "\n";
    }
    out << "\n";
  }
  return out.str();
}

std::string renderMarkdown(const ScoreReport& report) {
  const auto names = modelNames(report);
  std::ostringstream out;
  for (const auto& s : sections(report)) {
    out << "**" << s.title << "**\n\n|  | n |";
    for (const auto& n : names) out << " " << n << " |";
    out << "\n|---|---:|";
    for (std::size_t i = 0; i < names.size(); ++i) out << "---:|";
    out << "\n";
    for (const auto& r : s.rows) {
      const std::string b = r.emphasis ? "**" : "";
      out << "| " << b << r.label << b << " | " << r.n << " |";
      for (const auto& v : r.values) out << " " << b << v << b << " |";
      out << "\n";
    }
    out << "\n";
  }
  return out.str();
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string renderCsv(const ScoreReport& report) {
  std::ostringstream out;
  out << "section,row,n";
  for (const auto& n : modelNames(report)) out << "," << csvField(n);
  out << "\n";
  for (const auto& s : sections(report)) {
    for (const auto& r : s.rows) {
      out << csvField(s.title) << "," << csvField(r.label) << "," << r.n;
      for (const auto& v : r.values) out << "," << csvField(v);
      out << "\n";
    }
  }
  return out.str();
}

std::string latexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '%' || c == '&' || c == '#') out += '\\';
    out += c;
  }
  return out;
}

std::string renderLatex(const ScoreReport& report) {
  const auto names = modelNames(report);
  const auto table2 = sections(report).front();
  // Papers print Table 2 transposed: one row per model, one column per task column.
  std::ostringstream out;
  out << "\\begin{tabular}{l" << std::string(table2.rows.size(), 'c') << "}\n\\toprule\nModel";
  for (const auto& r : table2.rows) out << " & " << latexEscape(r.label);
  out << " \\\\\n\\midrule\n";
  for (std::size_t m = 0; m < names.size(); ++m) {
    out << latexEscape(names[m]);
    for (const auto& r : table2.rows)
      out << " & " << (r.emphasis ? "\\textbf{" + r.values[m] + "}" : r.values[m]);
    out << " \\\\\n";
  }
  out << "\\bottomrule\n\\end{tabular}\n";
  return out.str();
}

std::string renderJson(const ScoreReport& report) {
  nlohmann::json j;
  j["samples"] = report.samples;
  j["columns"] = table2Columns();
  for (const auto& model : report.models) {
    nlohmann::json m;
    m["name"] = model.name;
    m["run"] = model.run;
    m["average"] = model.average;
    m["columns_scored"] = model.columnsScored;
    const auto tallies = [](const std::map<std::string, Tally>& map) {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, t] : map) {
        out[key] = {{"n", t.total},
                    {"correct", t.correct},
                    {"accuracy", t.accuracy()},
                    {"parse_failures", t.parseFailures},
                    {"missing", t.missing}};
      }
      return out;
    };
    m["table2"] = tallies(model.byColumn);
    m["question_types"] = tallies(model.byQuestionType);
    m["unmatched_predictions"] = model.unmatchedPredictions;
    j["models"].push_back(m);
  }
  for (const auto& d : report.benchmarkDiagnostics)
    j["benchmark_problems"].push_back({{"line", d.line}, {"problem", d.problem}});
  return j.dump(2) + "\n";
}

}  // namespace

ReportFormat parseReportFormat(const std::string& name) {
  if (name == "table") return ReportFormat::Table;
  if (name == "md" || name == "markdown") return ReportFormat::Markdown;
  if (name == "csv") return ReportFormat::Csv;
  if (name == "latex" || name == "tex") return ReportFormat::Latex;
  if (name == "json") return ReportFormat::Json;
  throw std::invalid_argument("unknown report format '" + name + "' (table, md, csv, latex, json)");
}

std::string renderReport(const ScoreReport& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::Table:
      return renderTable(report);
    case ReportFormat::Markdown:
      return renderMarkdown(report);
    case ReportFormat::Csv:
      return renderCsv(report);
    case ReportFormat::Latex:
      return renderLatex(report);
    case ReportFormat::Json:
      return renderJson(report);
  }
  return {};
}

}  // namespace mspa
