#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mspa {

// Parses a whole JSON file; throws InputError naming the file and the parse error.
nlohmann::json readJsonFile(const std::string& path);

// An integer field in [least, most], `fallback` when absent; InputError naming `source` and the
// field when it is not one (a number from a file becomes an integer only after this check).
int jsonInteger(const nlohmann::json& j, const char* key, int fallback, int least, int most,
                const std::string& source);

// The same field where a missing or unusable value only means "not given": `fallback` for
// anything that is not an integer in [least, most].
int jsonIntegerOr(const nlohmann::json& j, const char* key, int fallback, int least, int most);

// Writes JSON (indented) to a file; throws InputError when it cannot.
void writeJsonFile(const std::string& path, const nlohmann::json& value);

}  // namespace mspa
