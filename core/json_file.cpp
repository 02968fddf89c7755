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

void writeJsonFile(const std::string& path, const nlohmann::json& value) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw InputError(path, "cannot create the file");
  out << value.dump(1) << "\n";
  if (!out.flush()) throw InputError(path, "write failed (disk full?)");
}

}  // namespace mspa
