#pragma once

// Structure-aware fuzzing of JSON files: raw bytes rarely get past JSON's syntax, so the harness
// starts from a valid document and lets the fuzzer replace values (numbers of every size and
// sign, strings, empty and short arrays, null) at the paths it chooses, keeping the braces.

#include <nlohmann/json.hpp>
#include <string>

#include "tests/fuzz/fuzz_support.h"

namespace mspa::fuzz {

inline nlohmann::json fuzzedValue(Bytes& in) {
  switch (in.byte() % 9) {
    case 0:
      return static_cast<std::int64_t>(in.integer(8));
    case 1:
      return -static_cast<std::int64_t>(in.integer(2));
    case 2:
      return 0;
    case 3: {
      const std::uint64_t bits = in.integer(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 4:
      return std::string(in.text(in.byte() % 24));
    case 5:
      return nlohmann::json::array();
    case 6:
      return nullptr;
    case 7:
      return nlohmann::json::array({in.integer(2), in.integer(2)});
    default:
      return static_cast<std::int64_t>(in.integer(4));
  }
}

// The document as a file would hold it; strings the fuzzer made invalid UTF-8 are replaced.
inline std::string dumpFuzzed(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Up to 8 value replacements at leaf paths (and object keys' values) of `seed`.
inline nlohmann::json mutateValues(const nlohmann::json& seed, Bytes& in) {
  nlohmann::json flat = seed.flatten();
  std::vector<std::string> paths;
  for (const auto& [path, value] : flat.items()) paths.push_back(path);
  const int edits = in.byte() % 8 + 1;
  for (int i = 0; i < edits && in.left() > 0 && !paths.empty(); ++i) {
    flat[paths[in.integer(2) % paths.size()]] = fuzzedValue(in);
  }
  try {
    return flat.unflatten();
  } catch (const nlohmann::json::exception&) {
    return seed;  // a replaced value cannot unflatten (a path through a now-primitive value)
  }
}

}  // namespace mspa::fuzz
