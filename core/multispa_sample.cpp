#include "core/multispa_sample.h"

#include <cstring>
#include <thread>
#include <unordered_set>

#include "core/input_error.h"
#include "core/mapped_file.h"

namespace mspa {
namespace {

std::string idText(const nlohmann::json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_integer()) return std::to_string(id.get<long long>());
  if (id.is_number()) return id.dump();
  return {};
}

struct Line {
  std::size_t number;
  std::string_view text;
};

std::vector<Line> splitLines(const MappedFile& file) {
  std::vector<Line> lines;
  const auto* data = reinterpret_cast<const char*>(file.data());
  std::size_t begin = 0, number = 1;
  while (begin < file.size()) {
    const void* nl = std::memchr(data + begin, '\n', file.size() - begin);
    const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : file.size();
    std::string_view text(data + begin, end - begin);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!text.empty()) lines.push_back({number, text});
    begin = end + 1;
    ++number;
  }
  return lines;
}

// Parses every line as JSON on all cores; a line that fails stays null with its error.
struct ParsedLine {
  nlohmann::json value;
  std::string error;
};

std::vector<ParsedLine> parseLines(const std::vector<Line>& lines) {
  std::vector<ParsedLine> parsed(lines.size());
  const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), lines.size() / 1000 + 1));
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < lines.size(); i += workers) {
        try {
          parsed[i].value = nlohmann::json::parse(lines[i].text);
        } catch (const nlohmann::json::exception& e) {
          parsed[i].error = e.what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return parsed;
}

std::string conversationTurn(const nlohmann::json& object, const char* from) {
  const auto it = object.find("conversations");
  if (it == object.end() || !it->is_array()) return {};
  for (const auto& turn : *it) {
    if (turn.is_object() && turn.value("from", "") == from && turn.contains("value") && turn["value"].is_string()) {
      return turn["value"].get<std::string>();
    }
  }
  return {};
}

std::vector<int> intList(const nlohmann::json& object, const char* key) {
  std::vector<int> out;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& v : *it) out.push_back(v.is_number() ? v.get<int>() : 0);
  return out;
}

// Shared skeleton: map the file, parse its lines, and hand each object with a fresh id to `take`.
template <typename Take>
void readObjects(const std::string& path, std::vector<Diagnostic>& diagnostics, std::size_t& malformed, Take&& take) {
  const MappedFile file(path);
  const auto lines = splitLines(file);
  const auto parsed = parseLines(lines);
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto report = [&](const std::string& problem) { diagnostics.push_back({path, lines[i].number, problem}); };
    if (!parsed[i].error.empty() || !parsed[i].value.is_object()) {
      ++malformed;
      report(parsed[i].error.empty() ? "not a JSON object" : "malformed JSON: " + parsed[i].error);
      continue;
    }
    const nlohmann::json& object = parsed[i].value;
    if (object.contains("run") && !object.contains("id")) {
      take(object, std::string(), lines[i].number);
      continue;
    }
    const std::string id = idText(object.value("id", nlohmann::json()));
    if (id.empty()) {
      report("no \"id\"");
      continue;
    }
    if (!seen.insert(id).second) {
      report("duplicate id " + id + " (the first one is kept)");
      continue;
    }
    take(object, id, lines[i].number);
  }
}

}  // namespace

SampleFile readSampleFile(const std::string& path) {
  SampleFile out;
  readObjects(path, out.diagnostics, out.malformedLines, [&](const nlohmann::json& object, const std::string& id, std::size_t line) {
    if (id.empty()) return;  // a run header has no place in a sample file
    Sample s;
    s.id = id;
    s.line = line;
    if (const auto it = object.find("image"); it != object.end()) {
      if (it->is_string()) s.images.push_back(it->get<std::string>());
      if (it->is_array()) {
        for (const auto& image : *it) {
          if (image.is_string()) s.images.push_back(image.get<std::string>());
        }
      }
    }
    s.prompt = object.contains("text") && object["text"].is_string() ? object["text"].get<std::string>()
                                                                       : conversationTurn(object, "human");
    s.answer = conversationTurn(object, "gpt");
    s.widths = intList(object, "width_list");
    s.heights = intList(object, "height_list");
    s.questionType = object.value("question_type", "");
    s.gtValue = object.value("gt_value", nlohmann::json());
    s.fields = object;
    out.samples.push_back(std::move(s));
  });
  return out;
}

PredictionFile readPredictionFile(const std::string& path) {
  PredictionFile out;
  readObjects(path, out.diagnostics, out.malformedLines, [&](const nlohmann::json& object, const std::string& id, std::size_t line) {
    if (id.empty()) {
      out.run = object["run"];
      return;
    }
    const auto text = object.find("text");
    if (text == object.end() || !text->is_string()) {
      out.diagnostics.push_back({path, line, "prediction " + id + " has no \"text\" string"});
      return;
    }
    out.predictions.push_back({id, text->get<std::string>(), line});
  });
  return out;
}

nlohmann::json sampleToJson(const Sample& sample) {
  nlohmann::json j = sample.fields.is_object() ? sample.fields : nlohmann::json::object();
  j["id"] = sample.id;
  j["image"] = sample.images;
  j["conversations"] = {{{"from", "human"}, {"value", sample.prompt}}, {{"from", "gpt"}, {"value", sample.answer}}};
  j["width_list"] = sample.widths;
  j["height_list"] = sample.heights;
  j["question_type"] = sample.questionType;
  j["gt_value"] = sample.gtValue;
  return j;
}

}  // namespace mspa
