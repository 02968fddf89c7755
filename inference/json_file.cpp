#include "inference/json_file.h"

#include <fstream>
#include <stdexcept>

namespace mspa::inference {

nlohmann::json readOptionalJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path.string() + ": invalid JSON");
  return j;
}

}  // namespace mspa::inference
