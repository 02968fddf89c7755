#include "core/json_file.h"

#include <fstream>

#include "core/input_error.h"

namespace mspa {

nlohmann::json readJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file (missing or unreadable)");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("invalid JSON: ") + e.what());
  }
}

int jsonIntegerOr(const nlohmann::json& j, const char* key, int fallback, int least, int most) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return fallback;
  const auto v = j[key].get<std::int64_t>();
  return v >= least && v <= most ? static_cast<int>(v) : fallback;
}

int jsonInteger(const nlohmann::json& j, const char* key, int fallback, int least, int most,
                const std::string& source) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return fallback;
  const auto& v = j[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < least || v.get<std::int64_t>() > most) {
    throw InputError(source, std::string("\"") + key + "\" must be an integer from " +
                                 std::to_string(least) + " to " + std::to_string(most) + ", not " +
                                 v.dump());
  }
  return static_cast<int>(v.get<std::int64_t>());
}

void writeJsonFile(const std::string& path, const nlohmann::json& value) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw InputError(path, "cannot create the file");
  out << value.dump(1) << "\n";
  if (!out.flush()) throw InputError(path, "write failed (disk full?)");
}

}  // namespace mspa
