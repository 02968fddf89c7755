#include "inference/device_errors.h"

namespace mspa::inference {

std::string describeDeviceFailure(std::string_view during, std::string_view torchMessage) {
  const std::string_view firstLine = torchMessage.substr(0, torchMessage.find('\n'));
  const bool outOfMemory = torchMessage.find("out of memory") != std::string_view::npos ||
                           torchMessage.find("can't allocate memory") != std::string_view::npos;
  if (outOfMemory) {
    return "out of memory during " + std::string(during) +
           ": use bfloat16, fewer tiles per image, fewer images or a smaller model (" +
           std::string(firstLine) + ")";
  }
  return std::string(during) + " failed: " + std::string(firstLine);
}

}  // namespace mspa::inference
