#include "core/multispa_sample.h"

#include <limits>

#include <thread>
#include <unordered_set>

#include "core/input_error.h"
#include "core/json_id.h"
#include "core/mapped_file.h"
#include "core/text_lines.h"

#include <simdjson.h>
#include <optional>

namespace mspa {

std::string jsonIdText(simdjson::dom::element id) {
  std::string_view text;
  std::int64_t integer = 0;
  std::uint64_t unsignedInteger = 0;
  if (id.get(text) == simdjson::SUCCESS) return std::string(text);
  if (id.get(integer) == simdjson::SUCCESS) return std::to_string(integer);
  if (id.get(unsignedInteger) == simdjson::SUCCESS) return std::to_string(unsignedInteger);
  if (id.is_number()) return simdjson::minify(id);
  return {};
}

namespace {

using Object = simdjson::dom::object;

nlohmann::json toNlohmann(simdjson::dom::element e) {
  return nlohmann::json::parse(simdjson::minify(e));
}

std::string_view stringField(Object o, const char* key) {
  std::string_view out;
  return o[key].get(out) == simdjson::SUCCESS ? out : std::string_view();
}

std::string conversationTurn(Object o, const char* from) {
  simdjson::dom::array turns;
  if (o["conversations"].get(turns) != simdjson::SUCCESS) return {};
  for (auto turn : turns) {
    Object t;
    if (turn.get(t) == simdjson::SUCCESS && stringField(t, "from") == from)
      return std::string(stringField(t, "value"));
  }
  return {};
}

std::vector<int> intList(Object o, const char* key) {
  std::vector<int> out;
  simdjson::dom::array values;
  if (o[key].get(values) != simdjson::SUCCESS) return out;
  for (auto v : values) {
    double d = 0;
    // Sizes outside int are unusable, as missing ones are (a cast would be undefined behaviour).
    const bool usable =
        v.get(d) == simdjson::SUCCESS && d >= 0 && d <= std::numeric_limits<int>::max();
    out.push_back(usable ? static_cast<int>(d) : 0);
  }
  return out;
}

// The sample keys read into Sample's own members; all others go to Sample::fields.
bool isCoreKey(std::string_view key) {
  return key == "id" || key == "image" || key == "conversations" || key == "text" ||
         key == "width_list" || key == "height_list" || key == "question_type" || key == "gt_value";
}

void decodeSample(Object o, Sample& s) {
  simdjson::dom::element image;
  if (o["image"].get(image) == simdjson::SUCCESS) {
    std::string_view single;
    simdjson::dom::array many;
    if (image.get(single) == simdjson::SUCCESS) s.images.emplace_back(single);
    if (image.get(many) == simdjson::SUCCESS) {
      for (auto i : many) {
        if (i.get(single) == simdjson::SUCCESS) s.images.emplace_back(single);
      }
    }
  }
  const std::string_view text = stringField(o, "text");
  s.prompt = !text.empty() ? std::string(text) : conversationTurn(o, "human");
  s.answer = conversationTurn(o, "gpt");
  s.widths = intList(o, "width_list");
  s.heights = intList(o, "height_list");
  s.questionType = std::string(stringField(o, "question_type"));
  simdjson::dom::element gt;
  if (o["gt_value"].get(gt) == simdjson::SUCCESS) s.gtValue = toNlohmann(gt);
  for (auto field : o) {
    if (!isCoreKey(field.key))
      s.fields[std::string(field.key)] = toNlohmann(field.value);  // null becomes an object
  }
}

// One decoded line: the record, a run header, or why the line is unusable.
template <typename Record>
struct Decoded {
  std::optional<Record> record;
  std::optional<nlohmann::json> run;
  std::string error;
};

// Parses the lines on all cores (simdjson, one parser per thread) and decodes each object.
template <typename Record, typename Decode>
std::vector<Decoded<Record>> decodeLines(const MappedFile& file, const std::vector<TextLine>& lines,
                                         Decode&& decode) {
  std::vector<Decoded<Record>> out(lines.size());
  const unsigned workers = std::max(
      1u, std::min<unsigned>(std::thread::hardware_concurrency(), lines.size() / 1000 + 1));
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      simdjson::dom::parser parser;
      for (std::size_t i = w; i < lines.size(); i += workers) {
        Object o;
        const std::string_view text = lines[i].in(file.data());
        const auto error = parser.parse(text.data(), text.size()).get(o);
        if (error) {
          out[i].error = error == simdjson::INCORRECT_TYPE
                             ? "not a JSON object"
                             : std::string("malformed JSON: ") + simdjson::error_message(error);
          continue;
        }
        simdjson::dom::element id, run;
        if (o["id"].get(id) != simdjson::SUCCESS && o["run"].get(run) == simdjson::SUCCESS) {
          out[i].run = toNlohmann(run);
          continue;
        }
        Record record;
        record.id = o["id"].get(id) == simdjson::SUCCESS ? jsonIdText(id) : std::string();
        record.line = lines[i].number;
        if (record.id.empty()) {
          out[i].error = "no \"id\"";
          continue;
        }
        out[i].error = decode(o, record);
        if (out[i].error.empty()) out[i].record = std::move(record);
      }
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

// Keeps the first record of each id and turns every problem into a diagnostic with its line.
template <typename Record>
std::vector<Record> collect(const std::string& path, const std::vector<TextLine>& lines,
                            std::vector<Decoded<Record>>&& decoded,
                            std::vector<Diagnostic>& diagnostics, std::size_t& malformed,
                            nlohmann::json* run) {
  std::vector<Record> records;
  records.reserve(decoded.size());
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    auto& d = decoded[i];
    if (d.run && run) {
      *run = std::move(*d.run);
      continue;
    }
    if (!d.record) {
      if (d.error.rfind("malformed", 0) == 0 || d.error == "not a JSON object") ++malformed;
      diagnostics.push_back({path, lines[i].number,
                             d.error.empty() ? "run header where a sample was expected" : d.error});
      continue;
    }
    if (!seen.insert(d.record->id).second) {
      diagnostics.push_back(
          {path, lines[i].number, "duplicate id " + d.record->id + " (the first one is kept)"});
      continue;
    }
    records.push_back(std::move(*d.record));
  }
  return records;
}

}  // namespace

std::optional<Sample> parseSampleLine(std::string_view line, std::string& error) {
  thread_local simdjson::dom::parser parser;
  Object o;
  const auto status = parser.parse(line.data(), line.size()).get(o);
  if (status) {
    error = status == simdjson::INCORRECT_TYPE
                ? "not a JSON object"
                : std::string("malformed JSON: ") + simdjson::error_message(status);
    return std::nullopt;
  }
  simdjson::dom::element id;
  Sample s;
  if (o["id"].get(id) == simdjson::SUCCESS) s.id = jsonIdText(id);
  if (s.id.empty()) {
    error = "no \"id\"";
    return std::nullopt;
  }
  decodeSample(o, s);
  return s;
}

SampleFile readSampleFile(const std::string& path) {
  const MappedFile file(path);
  const auto lines = splitLines(file.data(), file.size(), path).lines;
  SampleFile out;
  auto decoded = decodeLines<Sample>(file, lines, [](Object o, Sample& s) {
    decodeSample(o, s);
    return std::string();
  });
  out.samples =
      collect(path, lines, std::move(decoded), out.diagnostics, out.malformedLines, nullptr);
  return out;
}

PredictionFile readPredictionFile(const std::string& path) {
  const MappedFile file(path);
  const auto lines = splitLines(file.data(), file.size(), path).lines;
  PredictionFile out;
  auto decoded = decodeLines<Prediction>(file, lines, [](Object o, Prediction& p) {
    simdjson::dom::element text;
    std::string_view value;
    if (o["text"].get(text) != simdjson::SUCCESS || text.get(value) != simdjson::SUCCESS) {
      return "prediction " + p.id + " has no \"text\" string";
    }
    p.text = std::string(value);
    return std::string();
  });
  out.predictions =
      collect(path, lines, std::move(decoded), out.diagnostics, out.malformedLines, &out.run);
  return out;
}

nlohmann::json sampleToJson(const Sample& sample) {
  nlohmann::json j = sample.fields.is_object() ? sample.fields : nlohmann::json::object();
  j["id"] = sample.id;
  j["image"] = sample.images;
  j["conversations"] = {{{"from", "human"}, {"value", sample.prompt}},
                        {{"from", "gpt"}, {"value", sample.answer}}};
  j["width_list"] = sample.widths;
  j["height_list"] = sample.heights;
  j["question_type"] = sample.questionType;
  j["gt_value"] = sample.gtValue;
  return j;
}

}  // namespace mspa
