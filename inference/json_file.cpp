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

std::int64_t tokenIdOf(const nlohmann::json& value) {
  if (!value.is_number_integer()) return -1;
  const auto id = value.get<std::int64_t>();
  return id >= 0 && id < (std::int64_t{1} << 31) ? id : -1;
}

}  // namespace mspa::inference
