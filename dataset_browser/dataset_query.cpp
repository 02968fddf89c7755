#include "dataset_browser/dataset_query.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "core/input_error.h"
#include "core/task_catalog.h"
#include "dataset_browser/dataset_annotations.h"

namespace mspa::dataset {
namespace {

std::vector<std::string> splitList(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (auto at = text.find(separator);; at = text.find(separator, from)) {
    out.push_back(text.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) break;
    from = at + 1;
  }
  return out;
}

// A lookup table over a dictionary: which codes the listed names select (all when none listed).
std::vector<char> selected(const std::vector<std::string>& dictionary,
                           const std::vector<std::string>& names,
                           const std::function<std::string(const std::string&)>& keyOf = {}) {
  std::vector<char> on(dictionary.size(), names.empty());
  for (std::size_t code = 0; code < dictionary.size(); ++code) {
    const std::string key = keyOf ? keyOf(dictionary[code]) : dictionary[code];
    if (std::find(names.begin(), names.end(), key) != names.end()) on[code] = 1;
  }
  return on;
}

// Sortable unsigned keys: floats by their bits with the sign handled, NaN above everything.
std::uint32_t floatKey(float value) {
  if (std::isnan(value)) return 0xFFFFFFFFu;
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

// Stable LSD radix sort of rows by 32-bit keys, 16 bits per pass.
void radixSort(std::vector<std::uint32_t>& rows,
               const std::function<std::uint32_t(std::uint32_t)>& keyOf, bool descending) {
  std::vector<std::uint32_t> keys(rows.size()), tmpRows(rows.size()), tmpKeys(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    keys[i] = descending ? ~keyOf(rows[i]) : keyOf(rows[i]);
  for (int shift : {0, 16}) {
    std::vector<std::size_t> count(65537, 0);
    for (auto k : keys) ++count[((k >> shift) & 0xFFFF) + 1];
    std::partial_sum(count.begin(), count.end(), count.begin());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::size_t at = count[(keys[i] >> shift) & 0xFFFF]++;
      tmpRows[at] = rows[i];
      tmpKeys[at] = keys[i];
    }
    rows.swap(tmpRows);
    keys.swap(tmpKeys);
  }
}

// A rank per dictionary code, so codes sort by their names.
std::vector<std::uint32_t> ranks(const std::vector<std::string>& names,
                                 const std::function<std::string(const std::string&)>& keyOf = {}) {
  std::vector<std::uint32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return keyOf ? keyOf(names[a]) < keyOf(names[b]) : names[a] < names[b];
  });
  std::vector<std::uint32_t> rank(names.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

bool containsText(const std::string& line, const std::string& text) {
  return std::search(line.begin(), line.end(), text.begin(), text.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != line.end();
}

}  // namespace

std::string columnOf(const std::string& questionType) {
  const TaskInfo* task = findTask(questionType);
  return task ? task->column : "unknown";
}

DatasetFilter parseWhere(const std::string& where) {
  DatasetFilter f;
  if (where.empty()) return f;
  for (const auto& clause : splitList(where, ',')) {
    const auto eq = clause.find('=');
    if (eq == std::string::npos) throw InputError("--where " + clause, "expected key=value");
    const std::string key = clause.substr(0, eq), value = clause.substr(eq + 1);
    if (key == "question_type" || key == "subtask") {
      f.questionTypes = splitList(value, '|');
    } else if (key == "column") {
      f.columns = splitList(value, '|');
    } else if (key == "scene") {
      f.scenes = splitList(value, '|');
    } else if (key == "split") {
      f.split = value;
    } else if (key == "images") {
      f.imageCount = std::stoi(value);
    } else if (key == "flagged") {
      f.flagged = value == "yes" || value == "true" ? FlagFilter::Flagged : FlagFilter::Unflagged;
    } else if (key == "text") {
      f.text = value;
    } else {
      throw InputError("--where " + key,
                       "unknown key (question_type, column, scene, split, images, flagged, text)");
    }
  }
  return f;
}

std::vector<std::uint32_t> filterRows(const DatasetIndex& index, const DatasetFilter& filter,
                                      const Annotations* annotations,
                                      const std::atomic<bool>* cancel) {
  std::vector<std::string> typeNames = filter.questionTypes;
  for (const auto& name : filter.questionTypes) {
    if (const TaskInfo* t = findSubtask(name))
      typeNames.push_back(t->questionType);  // subtask names too
  }
  auto types = selected(index.questionTypes(), typeNames);
  const auto columns = selected(index.questionTypes(), filter.columns, columnOf);
  for (std::size_t c = 0; c < types.size(); ++c) types[c] = types[c] && columns[c];
  const auto scenes = selected(index.scenes(), filter.scenes);
  std::vector<char> files(index.files().size());
  for (std::size_t i = 0; i < files.size(); ++i)
    files[i] = filter.split.empty() || index.files()[i].split == filter.split;
  std::vector<std::uint32_t> rows;
  for (std::size_t row = 0; row < index.size(); ++row) {
    if (!types[index.questionType(row)] || !files[index.file(row)]) continue;
    if (!filter.scenes.empty() && !scenes[index.scene(row)]) continue;
    if (filter.imageCount >= 0 && index.imageCount(row) != filter.imageCount) continue;
    rows.push_back(static_cast<std::uint32_t>(row));
  }
  if (filter.flagged != FlagFilter::Any && annotations) {
    const auto flagged = annotations->flaggedRows(index);
    const bool want = filter.flagged == FlagFilter::Flagged;
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](std::uint32_t r) {
                                return std::binary_search(flagged.begin(), flagged.end(), r) !=
                                       want;
                              }),
               rows.end());
  }
  if (filter.text.empty()) return rows;
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<char> keep(rows.size(), 0);
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < rows.size(); i += workers) {
        if (cancel && cancel->load()) return;
        keep[i] = containsText(index.line(rows[i]), filter.text);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (keep[i]) out.push_back(rows[i]);
  }
  return out;
}

namespace {

// Large tables sort by walking the cached order of all rows and keeping the ones shown: linear in
// the index size, without the random access of a radix sort.
constexpr std::size_t kCachedOrderRows = 1u << 18;

void sortByCachedOrder(const DatasetIndex& index, std::vector<std::uint32_t>& rows,
                       const std::string& name,
                       const std::function<std::uint32_t(std::uint32_t)>& keyOf, bool descending) {
  const auto& order = index.cachedOrder(name + (descending ? "_desc" : "_asc"), [&] {
    std::vector<std::uint32_t> all(index.size());
    std::iota(all.begin(), all.end(), 0u);
    radixSort(all, keyOf, descending);
    return all;
  });
  if (rows.size() == index.size()) {
    rows = order;
    return;
  }
  std::vector<std::uint64_t> shown((index.size() + 63) / 64, 0);
  for (auto r : rows) shown[r >> 6] |= 1ull << (r & 63);
  std::size_t at = 0;
  for (auto r : order) {
    if (shown[r >> 6] >> (r & 63) & 1) rows[at++] = r;
  }
}

}  // namespace

namespace {

// The 32-bit key a row sorts by (ranks make dictionary codes sort by their names).
std::function<std::uint32_t(std::uint32_t)> keyFunction(const DatasetIndex& index, SortKey key,
                                                        bool descending,
                                                        const std::vector<float>* errors) {
  switch (key) {
    case SortKey::File:
      return [](std::uint32_t r) { return r; };
    case SortKey::QuestionType:
      return [&index, rank = ranks(index.questionTypes())](std::uint32_t r) {
        return rank[index.questionType(r)];
      };
    case SortKey::Column:
      return [&index, rank = ranks(index.questionTypes(), columnOf)](std::uint32_t r) {
        return rank[index.questionType(r)];
      };
    case SortKey::Scene:
      return
          [&index, rank = ranks(index.scenes())](std::uint32_t r) { return rank[index.scene(r)]; };
    case SortKey::Images:
      return [&index](std::uint32_t r) { return std::uint32_t{index.imageCount(r)}; };
    case SortKey::Answer:
      // Strings by name, then numbers by value.
      return [&index, rank = ranks(index.answers())](std::uint32_t r) {
        const std::uint32_t code = index.answerCode(r);
        return code < rank.size() ? rank[code] : floatKey(index.answerNumber(r)) | 0x80000000u;
      };
    case SortKey::Error:
      // Rows without a judged prediction stay last in either direction.
      return [errors, descending](std::uint32_t r) {
        const float e = errors && r < errors->size() ? (*errors)[r] : NAN;
        return std::isnan(e) ? (descending ? 0u : 0xFFFFFFFFu) : floatKey(e);
      };
  }
  return [](std::uint32_t r) { return r; };
}

}  // namespace

void sortRows(const DatasetIndex& index, std::vector<std::uint32_t>& rows, SortKey key,
              bool descending, const std::vector<float>* errors) {
  const auto keyOf = keyFunction(index, key, descending, errors);
  // Orders of the index's own columns are worth keeping; file order and errors are not.
  const bool cacheable = key != SortKey::File && key != SortKey::Error;
  if (cacheable && rows.size() >= kCachedOrderRows) {
    static const char* names[] = {"file", "type", "column", "scene", "images", "answer", "error"};
    return sortByCachedOrder(index, rows, names[static_cast<int>(key)], keyOf, descending);
  }
  radixSort(rows, keyOf, descending);
}

std::map<std::string, std::uint64_t> countByQuestionType(const DatasetIndex& index,
                                                         const std::vector<std::uint32_t>& rows) {
  std::vector<std::uint64_t> counts(index.questionTypes().size());
  for (auto r : rows) ++counts[index.questionType(r)];
  std::map<std::string, std::uint64_t> out;
  for (std::size_t t = 0; t < counts.size(); ++t) {
    if (counts[t])
      out[index.questionTypes()[t].empty() ? "(none)" : index.questionTypes()[t]] += counts[t];
  }
  return out;
}

DatasetStats computeStats(const DatasetIndex& index, const std::vector<std::uint32_t>* rows) {
  DatasetStats s;
  s.malformed = index.malformedLines();
  const auto& types = index.questionTypes();
  std::vector<std::uint64_t> typeCounts(types.size()), sceneCounts(index.scenes().size()),
      fileCounts(index.files().size());
  std::vector<std::unordered_map<std::uint32_t, std::uint64_t>> answerCounts(types.size());
  std::vector<std::vector<float>> numbers(types.size());
  const auto visit = [&](std::size_t r) {
    const auto t = index.questionType(r);
    ++typeCounts[t];
    ++sceneCounts[index.scene(r)];
    ++fileCounts[index.file(r)];
    const auto code = index.answerCode(r);
    if (code < index.answers().size()) {
      ++answerCounts[t][code];
    } else if (!std::isnan(index.answerNumber(r))) {
      numbers[t].push_back(index.answerNumber(r));
    }
  };
  if (rows) {
    for (auto r : *rows) visit(r);
    s.samples = rows->size();
  } else {
    for (std::size_t r = 0; r < index.size(); ++r) visit(r);
    s.samples = index.size();
  }
  for (std::size_t t = 0; t < types.size(); ++t) {
    if (!typeCounts[t]) continue;
    const std::string name = types[t].empty() ? "(none)" : types[t];
    s.byQuestionType[name] += typeCounts[t];
    s.byColumn[columnOf(types[t])] += typeCounts[t];
    std::vector<std::pair<std::string, std::uint64_t>> top;
    for (const auto& [code, n] : answerCounts[t]) top.emplace_back(index.answers()[code], n);
    std::sort(top.begin(), top.end(), [](auto& a, auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (top.size() > 10) top.resize(10);
    if (!top.empty()) s.topAnswers[name] = top;
    auto& values = numbers[t];
    if (!values.empty()) {
      std::nth_element(values.begin(),
                       values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2),
                       values.end());
      const double median = values[values.size() / 2];
      const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
      s.numbers[name] = {values.size(), *lo, median, *hi};
    }
  }
  for (std::size_t i = 0; i < sceneCounts.size(); ++i) {
    if (sceneCounts[i])
      s.byScene[index.scenes()[i].empty() ? "(none)" : index.scenes()[i]] = sceneCounts[i];
  }
  for (std::size_t i = 0; i < fileCounts.size(); ++i) {
    if (fileCounts[i])
      s.bySplit[index.files()[i].split.empty() ? "(none)" : index.files()[i].split] +=
          fileCounts[i];
  }
  return s;
}

}  // namespace mspa::dataset
