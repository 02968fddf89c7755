#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace mspa::inference {

// The JSON in an optional file of a model folder: null when the file is absent; throws
// std::runtime_error naming the file when it is not valid JSON.
nlohmann::json readOptionalJson(const std::filesystem::path& path);

}  // namespace mspa::inference
