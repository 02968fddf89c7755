// mspa-engine: the inference engine's own command line, for GPU servers without the GUI stack.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "inference/command_line.h"
#include "inference/engine_info.h"
#include "inference/model_commands.h"
#include "inference/safetensors.h"
#include "inference/speed_command.h"

using namespace mspa::inference;

namespace {

void printInfo(const std::string& device, const std::string& dtype, int size) {
  const EngineInfo info = engineInfo();
  std::printf("LibTorch %s, %d CPU threads (%d in the engine's own loops), %d CUDA device(s)\n",
              info.libtorchVersion.c_str(), info.cpuThreads, info.loopThreads, info.cudaDevices);
  const MatmulCheck check = checkMatmul(device, dtype, size);
  std::printf("matmul %dx%d %s on %s: %.2f ms, %.2f TFLOP/s, max relative error %.2e\n", check.size,
              check.size, check.dtype.c_str(), check.device.c_str(), check.milliseconds,
              check.tflops, check.maxRelativeError);
}

void printTensors(const std::string& path) {
  const SafetensorsFile file(path);
  std::size_t bytes = 0;
  for (const auto& t : file.tensors()) {
    std::string shape;
    for (auto d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    std::printf("%-60s %-5s [%s]\n", t.name.c_str(), dtypeName(t.dtype), shape.c_str());
    bytes += t.end - t.begin;
  }
  std::printf("%zu tensors, %.1f MB\n", file.tensors().size(), static_cast<double>(bytes) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MultiSPA inference engine"};
  app.name("mspa-engine");
  app.require_subcommand(1);
  useEveryCpuCore();
  app.add_option_function<int>("--threads", setCpuThreads,
                               "CPU threads for LibTorch (default: all cores)");

  auto* info =
      app.add_subcommand("info", "LibTorch version, devices, and a matmul check on a device");
  std::string device = "cpu", dtype = "float32";
  int size = 512;
  info->add_option("--device", device, "cpu or cuda")->capture_default_str();
  info->add_option("--dtype", dtype, "float32, bfloat16 or float16")->capture_default_str();
  info->add_option("--size", size, "matrix size")->capture_default_str();

  auto* tensors =
      app.add_subcommand("tensors", "List and validate the tensors of a safetensors file");
  std::string path;
  tensors->add_option("FILE", path, "model.safetensors")->required();

  addModelCommands(app);
  addAskCommand(app);
  auto* bench = app.add_subcommand("bench", "Measure the engine");
  bench->require_subcommand(1);
  addSpeedCommand(*bench);
  info->callback([&] { printInfo(device, dtype, size); });
  tensors->callback([&] { printTensors(path); });
  return runCommandLine(app, argc, argv);
}
