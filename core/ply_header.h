#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mspa {

enum class PlyFormat { Ascii, BinaryLittleEndian, BinaryBigEndian };
enum class PlyType : std::uint8_t { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 };

std::size_t plyTypeSize(PlyType type);
const char* plyTypeName(PlyType type);
const char* plyFormatName(PlyFormat format);

struct PlyProperty {
  std::string name;
  PlyType type = PlyType::Float32;
  bool isList = false;
  PlyType countType = PlyType::UInt8;  // lists only
};

struct PlyElement {
  std::string name;
  std::size_t count = 0;
  std::vector<PlyProperty> properties;

  bool hasLists() const;
  // Bytes per instance in binary files; only meaningful without list properties.
  std::size_t fixedStride() const;
  // Index of the named property, or -1.
  int find(const std::string& property) const;
};

struct PlyHeader {
  PlyFormat format = PlyFormat::Ascii;
  std::vector<PlyElement> elements;
  std::vector<std::string> comments;
  std::size_t dataOffset = 0;  // first byte after "end_header\n"

  const PlyElement* find(const std::string& element) const;
};

// Parses the header at the start of `bytes`. Throws InputError naming `path` when the bytes are
// not a PLY header or the header contradicts itself.
PlyHeader parsePlyHeader(const std::uint8_t* bytes, std::size_t size, const std::string& path);

}  // namespace mspa
