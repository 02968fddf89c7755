#include "core/ply_header.h"

#include <charconv>
#include <sstream>
#include <string_view>

#include "core/input_error.h"

namespace mspa {
namespace {

struct TypeName {
  std::string_view name;
  PlyType type;
};

constexpr TypeName kTypeNames[] = {
    {"char", PlyType::Int8},       {"int8", PlyType::Int8},       {"uchar", PlyType::UInt8},
    {"uint8", PlyType::UInt8},     {"short", PlyType::Int16},     {"int16", PlyType::Int16},
    {"ushort", PlyType::UInt16},   {"uint16", PlyType::UInt16},   {"int", PlyType::Int32},
    {"int32", PlyType::Int32},     {"uint", PlyType::UInt32},     {"uint32", PlyType::UInt32},
    {"float", PlyType::Float32},   {"float32", PlyType::Float32}, {"double", PlyType::Float64},
    {"float64", PlyType::Float64},
};

// A PLY header is a few hundred bytes; anything this long without end_header is not PLY.
constexpr std::size_t kMaxHeaderBytes = 1 << 20;

bool parseType(std::string_view word, PlyType& type) {
  for (const auto& t : kTypeNames) {
    if (t.name == word) {
      type = t.type;
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> splitWords(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

class HeaderParser {
 public:
  HeaderParser(const std::string& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& problem) const {
    std::ostringstream msg;
    msg << "invalid PLY header (line " << lineNumber_ << "): " << problem;
    throw InputError(path_, msg.str());
  }

  void parseLine(std::string_view line) {
    ++lineNumber_;
    const auto words = splitWords(line);
    if (words.empty()) return;
    const auto key = words[0];
    if (key == "comment" || key == "obj_info") {
      header_.comments.emplace_back(line.substr(std::min(line.size(), key.size() + 1)));
    } else if (key == "format") {
      parseFormat(words);
    } else if (key == "element") {
      parseElement(words);
    } else if (key == "property") {
      parseProperty(words);
    } else {
      fail("unknown keyword '" + std::string(key) + "'");
    }
  }

  PlyHeader finish(std::size_t dataOffset) {
    if (!sawFormat_) fail("no 'format' line");
    header_.dataOffset = dataOffset;
    return std::move(header_);
  }

 private:
  void parseFormat(const std::vector<std::string_view>& words) {
    if (words.size() != 3) fail("expected 'format <kind> 1.0'");
    if (words[1] == "ascii") {
      header_.format = PlyFormat::Ascii;
    } else if (words[1] == "binary_little_endian") {
      header_.format = PlyFormat::BinaryLittleEndian;
    } else if (words[1] == "binary_big_endian") {
      header_.format = PlyFormat::BinaryBigEndian;
    } else {
      fail("unknown format '" + std::string(words[1]) + "'");
    }
    sawFormat_ = true;
  }

  void parseElement(const std::vector<std::string_view>& words) {
    if (words.size() != 3) fail("expected 'element <name> <count>'");
    PlyElement element;
    element.name = std::string(words[1]);
    const auto count = words[2];
    const auto [end, ec] =
        std::from_chars(count.data(), count.data() + count.size(), element.count);
    if (ec != std::errc() || end != count.data() + count.size()) {
      fail("element '" + element.name + "' has an invalid count '" + std::string(count) + "'");
    }
    header_.elements.push_back(std::move(element));
  }

  void parseProperty(const std::vector<std::string_view>& words) {
    if (header_.elements.empty()) fail("property before any element");
    PlyProperty property;
    if (words.size() == 5 && words[1] == "list") {
      property.isList = true;
      if (!parseType(words[2], property.countType))
        fail("unknown type '" + std::string(words[2]) + "'");
      if (!parseType(words[3], property.type)) fail("unknown type '" + std::string(words[3]) + "'");
      if (property.countType == PlyType::Float32 || property.countType == PlyType::Float64) {
        fail("list count must be an integer type");
      }
      property.name = std::string(words[4]);
    } else if (words.size() == 3) {
      if (!parseType(words[1], property.type)) fail("unknown type '" + std::string(words[1]) + "'");
      property.name = std::string(words[2]);
    } else {
      fail("expected 'property <type> <name>' or 'property list <type> <type> <name>'");
    }
    auto& element = header_.elements.back();
    if (element.find(property.name) >= 0) fail("duplicate property '" + property.name + "'");
    element.properties.push_back(std::move(property));
  }

  const std::string& path_;
  PlyHeader header_;
  bool sawFormat_ = false;
  int lineNumber_ = 1;
};

}  // namespace

std::size_t plyTypeSize(PlyType type) {
  switch (type) {
    case PlyType::Int8:
    case PlyType::UInt8:
      return 1;
    case PlyType::Int16:
    case PlyType::UInt16:
      return 2;
    case PlyType::Int32:
    case PlyType::UInt32:
    case PlyType::Float32:
      return 4;
    case PlyType::Float64:
      return 8;
  }
  return 0;
}

const char* plyTypeName(PlyType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name.data();
  }
  return "?";
}

const char* plyFormatName(PlyFormat format) {
  switch (format) {
    case PlyFormat::Ascii:
      return "ascii";
    case PlyFormat::BinaryLittleEndian:
      return "binary_little_endian";
    case PlyFormat::BinaryBigEndian:
      return "binary_big_endian";
  }
  return "?";
}

bool PlyElement::hasLists() const {
  for (const auto& p : properties) {
    if (p.isList) return true;
  }
  return false;
}

std::size_t PlyElement::fixedStride() const {
  std::size_t stride = 0;
  for (const auto& p : properties) stride += plyTypeSize(p.type);
  return stride;
}

int PlyElement::find(const std::string& property) const {
  for (std::size_t i = 0; i < properties.size(); ++i) {
    if (properties[i].name == property) return static_cast<int>(i);
  }
  return -1;
}

const PlyElement* PlyHeader::find(const std::string& element) const {
  for (const auto& e : elements) {
    if (e.name == element) return &e;
  }
  return nullptr;
}

PlyHeader parsePlyHeader(const std::uint8_t* bytes, std::size_t size, const std::string& path) {
  if (size == 0) throw InputError(path, "file is empty");
  const std::string_view text(reinterpret_cast<const char*>(bytes),
                              std::min(size, kMaxHeaderBytes));
  if (text.substr(0, 3) != "ply" || (text.size() > 3 && text[3] != '\n' && text[3] != '\r')) {
    throw InputError(path, "not a PLY file (it does not start with 'ply')");
  }
  HeaderParser parser(path);
  std::size_t pos = text.find('\n');
  while (pos != std::string_view::npos) {
    const std::size_t begin = pos + 1;
    const std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) break;
    auto line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "end_header") return parser.finish(end + 1);
    parser.parseLine(line);
    pos = end;
  }
  throw InputError(path, "truncated PLY header: no 'end_header' line");
}

}  // namespace mspa
