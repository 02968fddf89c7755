#include "core/answer_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>

namespace mspa {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (isSpace(s.front()) || s.front() == '.')) s.remove_prefix(1);
  while (!s.empty() && (isSpace(s.back()) || s.back() == '.')) s.remove_suffix(1);
  return s;
}

// A number at s[i] (optional sign, digits, decimal part); advances i past it.
std::optional<double> readNumber(std::string_view s, std::size_t& i) {
  std::size_t j = i;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
  if (j >= s.size() || !(isDigit(s[j]) || (s[j] == '.' && j + 1 < s.size() && isDigit(s[j + 1]))))
    return std::nullopt;
  const bool negative = s[i] == '-';
  const std::size_t start = (s[i] == '+' || s[i] == '-') ? i + 1 : i;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data() + start, s.data() + s.size(), value);
  if (ec != std::errc()) return std::nullopt;
  i = static_cast<std::size_t>(end - s.data());
  return negative ? -value : value;
}

// Scale to millimetres (or degrees) of a unit word at s[i], advancing past it; 1 when none.
double readUnit(std::string_view s, std::size_t& i, AnswerKind kind) {
  if (i > s.size()) return 0;
  std::size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  std::size_t k = j;
  if (s.compare(j, 2, "\u00b0") == 0) {  // degree sign (UTF-8, two bytes)
    i = j + 2;
    return 1.0;
  }
  while (k < s.size() && isAlpha(s[k])) ++k;
  const std::string word = lowered(s.substr(j, k - j));
  static const std::pair<const char*, double> lengths[] = {
      {"mm", 1},   {"millimeter", 1},  {"millimeters", 1},  {"millimetre", 1},  {"millimetres", 1},
      {"cm", 10},  {"centimeter", 10}, {"centimeters", 10}, {"centimetre", 10}, {"centimetres", 10},
      {"m", 1000}, {"meter", 1000},    {"meters", 1000},    {"metre", 1000},    {"metres", 1000}};
  static const std::pair<const char*, double> angles[] = {
      {"deg", 1},          {"degree", 1},          {"degrees", 1},
      {"rad", 180 / M_PI}, {"radian", 180 / M_PI}, {"radians", 180 / M_PI}};
  const auto match = [&](const auto& table) -> double {
    for (const auto& [name, scale] : table) {
      if (word == name) {
        i = k;
        return scale;
      }
    }
    return 0;
  };
  const double scale = kind == AnswerKind::Degrees ? match(angles) : match(lengths);
  return scale;
}

// All bracketed number lists ("[ 1 , 2 ]", "(1, 2)") in the text, with their positions.
struct NumberList {
  std::vector<double> values;
  std::size_t begin = 0, end = 0;
};

std::vector<NumberList> bracketedLists(std::string_view s) {
  std::vector<NumberList> lists;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '[' && s[i] != '(') continue;
    const char close = s[i] == '[' ? ']' : ')';
    NumberList list;
    list.begin = i;
    std::size_t j = i + 1;
    bool ok = true;
    while (ok) {
      while (j < s.size() && isSpace(s[j])) ++j;
      const auto v = readNumber(s, j);
      if (!v) {
        ok = false;
        break;
      }
      list.values.push_back(*v);
      while (j < s.size() && isSpace(s[j])) ++j;
      if (j < s.size() && s[j] == ',') {
        ++j;
        continue;
      }
      ok = j < s.size() && s[j] == close;
      break;
    }
    if (ok && !list.values.empty()) {
      list.end = j + 1;
      lists.push_back(std::move(list));
      i = j;
    }
  }
  return lists;
}

bool containsPhrase(const std::string& lowerText, std::initializer_list<const char*> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](const char* p) { return lowerText.find(p) != std::string::npos; });
}

// Direction words and their synonyms, mapped to the canonical word.
const char* canonicalDirection(const std::string& word) {
  static const std::pair<const char*, const char*> words[] = {
      {"left", "left"},      {"leftward", "left"},     {"leftwards", "left"},
      {"right", "right"},    {"rightward", "right"},   {"rightwards", "right"},
      {"up", "up"},          {"upward", "up"},         {"upwards", "up"},
      {"upper", "up"},       {"down", "down"},         {"downward", "down"},
      {"downwards", "down"}, {"forward", "forward"},   {"forwards", "forward"},
      {"ahead", "forward"},  {"backward", "backward"}, {"backwards", "backward"},
      {"back", "backward"}};
  for (const auto& [w, c] : words) {
    if (word == w) return c;
  }
  return nullptr;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !isAlpha(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && isAlpha(s[j])) ++j;
    if (j > i) out.push_back(std::string(s.substr(i, j - i)));
    i = j;
  }
  return out;
}

class Parser {
 public:
  Parser(const TaskInfo& task, const ParseOptions& options) : task_(task), options_(options) {}

  ParsedAnswer parse(std::string_view text) {
    ParsedAnswer result;
    result.value.kind = task_.answer;
    // 1. The value in backticks, as the model was trained to give it.
    std::size_t open = text.find('`');
    while (open != std::string_view::npos) {
      const std::size_t close = text.find('`', open + 1);
      if (close == std::string_view::npos) break;
      if (readValue(text.substr(open + 1, close - open - 1), result.value, true)) {
        result.ok = result.backticked = true;
        return result;
      }
      open = text.find('`', close + 1);
    }
    if (options_.mode == ParseMode::Strict) {
      result.error = "no canonical `value` in backticks";
      return result;
    }
    // 2. "did not move" for movement answers.
    const bool movement = taskFamily(task_) == TaskFamily::ObjectMovement;
    if (movement &&
        containsPhrase(lowered(text), {"did not move", "didn't move", "not moved", "no movement",
                                       "remained stationary", "stayed still", "did not travel"})) {
      result.ok = result.didNotMove = true;
      return result;
    }
    // 3. The whole text, by the answer kind's fallback rule.
    if (readValue(text, result.value, false)) {
      result.ok = true;
      return result;
    }
    result.error =
        error_.empty() ? std::string("no ") + answerKindName(task_.answer) + " found" : error_;
    return result;
  }

 private:
  bool readValue(std::string_view s, AnswerValue& value, bool inBackticks) {
    switch (task_.answer) {
      case AnswerKind::Word:
        return readWord(s, value, inBackticks);
      case AnswerKind::Letter:
        return readLetter(s, value, inBackticks);
      case AnswerKind::Millimetres:
      case AnswerKind::Degrees:
        return readScalar(s, value, inBackticks);
      case AnswerKind::Coordinate:
        return readList(s, value, 2, inBackticks);
      case AnswerKind::VectorMm:
        return readList(s, value, 3, inBackticks);
    }
    return false;
  }

  bool strict() const { return options_.mode == ParseMode::Strict; }

  bool readWord(std::string_view s, AnswerValue& value, bool inBackticks) {
    if (strict()) {
      const std::string exact(s);
      const bool known =
          std::find(task_.choices.begin(), task_.choices.end(), exact) != task_.choices.end();
      if (known) value.text = exact;
      return known;
    }
    std::vector<std::string> found;
    for (const auto& w : words(s)) {
      const char* c = canonicalDirection(lowered(w));
      if (c && std::find(task_.choices.begin(), task_.choices.end(), c) != task_.choices.end() &&
          std::find(found.begin(), found.end(), c) == found.end()) {
        found.push_back(c);
      }
    }
    if (found.size() == 1) {
      value.text = found[0];
      return true;
    }
    if (found.size() > 1 && !inBackticks)
      error_ = "ambiguous: mentions both " + found[0] + " and " + found[1];
    return false;
  }

  bool isChoice(char c) const {
    return std::find(task_.choices.begin(), task_.choices.end(), std::string(1, c)) !=
           task_.choices.end();
  }

  bool readLetter(std::string_view s, AnswerValue& value, bool inBackticks) {
    const std::string_view t = trim(s);
    if (inBackticks || strict()) {
      const bool single =
          t.size() == 1 || (t.size() == 3 && t.front() == '(' && t.back() == ')' && !strict());
      const char c = t.size() == 1 ? t[0] : (t.size() == 3 ? t[1] : 0);
      if (!single || !(strict() ? isChoice(c) : isChoice(static_cast<char>(std::toupper(c)))))
        return false;
      value.text = std::string(1, static_cast<char>(std::toupper(c)));
      return true;
    }
    // Prose: a choice letter standing alone as a word after "point", "label(ed)", "option",
    // "answer", or the whole answer being the letter. A lone capital "A" elsewhere is English.
    if (t.size() == 1 && isChoice(static_cast<char>(std::toupper(t[0])))) {
      value.text = std::string(1, static_cast<char>(std::toupper(t[0])));
      return true;
    }
    const auto w = words(s);
    std::vector<char> found;
    for (std::size_t i = 1; i < w.size(); ++i) {
      const std::string before = lowered(w[i - 1]);
      const bool cue = before == "point" || before == "labeled" || before == "labelled" ||
                       before == "label" || before == "option" || before == "is" ||
                       before == "answer";
      if (cue && w[i].size() == 1 && isChoice(w[i][0]) &&
          std::find(found.begin(), found.end(), w[i][0]) == found.end()) {
        found.push_back(w[i][0]);
      }
    }
    if (found.size() == 1) {
      value.text = std::string(1, found[0]);
      return true;
    }
    if (found.size() > 1) error_ = "ambiguous: names more than one label";
    return false;
  }

  bool readScalar(std::string_view s, AnswerValue& value, bool inBackticks) {
    if (strict()) {
      std::size_t i = 0;
      const auto v = readNumber(s, i);
      if (!v || i != s.size() || std::floor(*v) != *v) return false;
      value.number.x() = *v;
      return true;
    }
    // Numbers outside brackets (a bracket is the question's coordinate echoed back), with a unit
    // when one follows. One number, or the first one with a unit, is the answer.
    const auto lists = bracketedLists(s);  // in order and disjoint: one cursor walks them
    auto nextList = lists.begin();
    std::vector<std::pair<double, bool>> numbers;  // value in mm/deg, had a unit
    for (std::size_t i = 0; i < s.size();) {
      while (nextList != lists.end() && nextList->end <= i) ++nextList;
      if (nextList != lists.end() && i >= nextList->begin) {
        i = nextList->end;
        continue;
      }
      if (i > 0 && (isAlpha(s[i - 1]) || isDigit(s[i - 1]) || s[i - 1] == '-')) {
        ++i;
        continue;  // inside a word like "Image-1" or a longer number
      }
      std::size_t j = i;
      auto v = readNumber(s, j);
      if (!v) {
        ++i;
        continue;
      }
      // A thousands separator: "1,234" (outside brackets, exactly three digits follow).
      while (j + 3 < s.size() && s[j] == ',' && isDigit(s[j + 1]) && isDigit(s[j + 2]) &&
             isDigit(s[j + 3]) && (j + 4 >= s.size() || !isDigit(s[j + 4]))) {
        *v = *v * 1000 + (s[j + 1] - '0') * 100 + (s[j + 2] - '0') * 10 + (s[j + 3] - '0');
        j += 4;
      }
      const double scale = readUnit(s, j, task_.answer);
      numbers.emplace_back(*v * (scale > 0 ? scale : 1.0), scale > 0);
      i = j;
    }
    const auto withUnit =
        std::find_if(numbers.begin(), numbers.end(), [](const auto& n) { return n.second; });
    if (numbers.size() == 1 || (withUnit != numbers.end() && !inBackticks)) {
      value.number.x() = numbers.size() == 1 ? numbers[0].first : withUnit->first;
      if (task_.answer == AnswerKind::Degrees) value.number.x() = std::abs(value.number.x());
      return true;
    }
    if (numbers.size() > 1 && !inBackticks)
      error_ = "ambiguous: several numbers and none with a unit";
    return false;
  }

  bool readList(std::string_view s, AnswerValue& value, std::size_t size, bool inBackticks) {
    if (strict()) return readCanonicalList(s, value, size);
    std::vector<NumberList> lists = bracketedLists(s);
    // `531, 288` without brackets: read as if bracketed; positions then refer to `wrapped`.
    const std::string wrapped =
        lists.empty() && inBackticks ? "[" + std::string(s) + "]" : std::string();
    if (!wrapped.empty()) {
      lists = bracketedLists(wrapped);
      s = wrapped;
    }
    for (const auto& list : lists) {
      if (list.values.size() != size) continue;
      Eigen::Vector3d v = Eigen::Vector3d::Zero();
      for (std::size_t k = 0; k < size; ++k) v[static_cast<int>(k)] = list.values[k];
      if (size == 2) {
        // 0-1 floats are normalized coordinates not yet scaled by 1000.
        if (v.x() <= 1 && v.y() <= 1 && (v.x() != std::floor(v.x()) || v.y() != std::floor(v.y())))
          v *= 1000;
        const bool excluded =
            std::any_of(options_.excludedCoordinates.begin(), options_.excludedCoordinates.end(),
                        [&](const Eigen::Vector2d& e) { return (e - v.head<2>()).norm() < 0.5; });
        if (excluded) continue;
      } else {
        std::size_t after = list.end;
        const double scale =
            inBackticks && list.end == s.size() ? 1.0 : readUnit(s, after, AnswerKind::VectorMm);
        v *= scale > 0 ? scale : 1.0;
      }
      value.number = v;
      return true;
    }
    return false;
  }

  bool readCanonicalList(std::string_view s, AnswerValue& value, std::size_t size) {
    // "[ x , y ]" / "[ x , y , z ]": integers, single spaces, as the data engine prints them.
    std::size_t i = 0;
    const auto expect = [&](const char* token) {
      const std::size_t n = std::strlen(token);
      if (s.compare(i, n, token) != 0) return false;
      i += n;
      return true;
    };
    if (!expect("[ ")) return false;
    for (std::size_t k = 0; k < size; ++k) {
      const auto v = readNumber(s, i);
      if (!v || std::floor(*v) != *v) return false;
      value.number[static_cast<int>(k)] = *v;
      if (!expect(k + 1 < size ? " , " : " ]")) return false;
    }
    return i == s.size();
  }

  const TaskInfo& task_;
  const ParseOptions& options_;
  std::string error_;
};

std::string formatNumber(double v) {
  std::ostringstream out;
  out << static_cast<long long>(std::llround(v));
  return out.str();
}

}  // namespace

bool AnswerValue::operator==(const AnswerValue& other) const {
  return kind == other.kind && text == other.text && number == other.number;
}

std::string formatAnswerValue(const AnswerValue& value) {
  switch (value.kind) {
    case AnswerKind::Word:
    case AnswerKind::Letter:
      return value.text;
    case AnswerKind::Millimetres:
    case AnswerKind::Degrees:
      return formatNumber(value.number.x());
    case AnswerKind::Coordinate:
      return "[ " + formatNumber(value.number.x()) + " , " + formatNumber(value.number.y()) + " ]";
    case AnswerKind::VectorMm:
      return "[ " + formatNumber(value.number.x()) + " , " + formatNumber(value.number.y()) +
             " , " + formatNumber(value.number.z()) + " ]";
  }
  return {};
}

std::vector<Eigen::Vector2d> coordinatesIn(std::string_view text) {
  std::vector<Eigen::Vector2d> out;
  for (const auto& list : bracketedLists(text)) {
    if (list.values.size() == 2) out.emplace_back(list.values[0], list.values[1]);
  }
  return out;
}

ParsedAnswer parseAnswer(std::string_view text, const TaskInfo& task, const ParseOptions& options) {
  return Parser(task, options).parse(text);
}

}  // namespace mspa
