#include "core/version.h"

namespace mspa {

const char* version() {
  return MSPA_VERSION;
}

}  // namespace mspa
