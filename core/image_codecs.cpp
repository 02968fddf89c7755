#include "core/image_codecs.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mspa::codecs {
namespace {

// Installed, the module lies in ../lib/mspa beside the program; in a build tree, where CMake
// built it.
std::vector<std::string> modulePaths() {
  std::vector<std::string> paths;
  std::error_code error;
  const fs::path program = fs::read_symlink("/proc/self/exe", error);
  if (!error) paths.push_back((program.parent_path() / "../lib/mspa/mspa_codecs.so").string());
  paths.push_back(MSPA_CODECS_MODULE);
  return paths;
}

const Table* load() {
  std::string problems;
  for (const auto& path : modulePaths()) {
    if (!fs::exists(path)) continue;
    if (void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      using Entry = const Table* (*)();
      if (auto entry = reinterpret_cast<Entry>(dlsym(module, "mspa_codecs_table"))) return entry();
    }
    problems += std::string(" ") + dlerror();
  }
  throw std::runtime_error("cannot load the image codecs module mspa_codecs.so (looked beside " +
                           std::string("the program and in the build tree):") +
                           (problems.empty() ? " not found" : problems));
}

}  // namespace

const Table& table() {
  static std::once_flag once;
  static const Table* loaded = nullptr;
  std::call_once(once, [] { loaded = load(); });
  return *loaded;
}

}  // namespace mspa::codecs
