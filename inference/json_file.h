#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace mspa::inference {

// The JSON in an optional file of a model folder: null when the file is absent; throws
// std::runtime_error naming the file when it is not valid JSON.
nlohmann::json readOptionalJson(const std::filesystem::path& path);

// A token id from a tokenizer file: an integer in [0, 2^31), or -1 for anything else (a float
// such as 2.5e25 may not be converted: that would be undefined behaviour).
std::int64_t tokenIdOf(const nlohmann::json& value);

}  // namespace mspa::inference
