#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mspa {

// Parses a whole JSON file; throws InputError naming the file and the parse error.
nlohmann::json readJsonFile(const std::string& path);

// Writes JSON (indented) to a file; throws InputError when it cannot.
void writeJsonFile(const std::string& path, const nlohmann::json& value);

}  // namespace mspa
