#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mspa {

// One NumPy array as stored in .npy: little-endian data, C order.
struct NpyArray {
  std::string dtype;  // NumPy descr without byte order: "f4", "f8", "b1", "u1", "i4", "i8", "S<n>"
  std::vector<std::size_t> shape;
  std::vector<std::uint8_t> data;

  std::size_t count() const;
  std::size_t itemSize() const;  // 0 for an unreadable dtype
  bool isNumeric() const;        // f4, f8, i4, i8, u1, b1: what number() reads
  // Element i converted to double (numeric dtypes).
  double number(std::size_t i) const;
  // Element i of a bytes ("S<n>") array with NumPy's zero padding removed.
  std::vector<std::uint8_t> bytes(std::size_t i) const;
};

// Parses .npy bytes; throws InputError naming `source`.
NpyArray parseNpy(const std::uint8_t* bytes, std::size_t size, const std::string& source);
std::vector<std::uint8_t> serializeNpy(const NpyArray& array);

// Reads every array of an .npz (zip of .npy files), keyed by name without ".npy".
std::map<std::string, NpyArray> readNpz(const std::string& path);
void writeNpz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace mspa
