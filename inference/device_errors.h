#pragma once

#include <string>
#include <string_view>

namespace mspa::inference {

// One clear line for a LibTorch failure during `during` ("loading DIR", "prefill of 3709
// tokens"): out-of-memory gets advice on what to lower; other errors keep LibTorch's first line
// (its full message carries a C++ backtrace nobody wants in a dialog).
std::string describeDeviceFailure(std::string_view during, std::string_view torchMessage);

}  // namespace mspa::inference
