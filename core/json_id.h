#pragma once

#include <simdjson.h>

#include <string>

namespace mspa {

// A sample id as text: strings as they are, integers in decimal, other numbers as written; empty
// for anything else. Shared by the JSONL readers that parse with simdjson (core's sample and
// prediction files, the dataset index), so that ids compare equal everywhere.
std::string jsonIdText(simdjson::dom::element id);

}  // namespace mspa
