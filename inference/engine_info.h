#pragma once

#include <string>

namespace mspa::inference {

struct EngineInfo {
  std::string libtorchVersion;
  int cudaDevices = 0;
  int cpuThreads = 0;
  // The threads the engine's own loops (at::parallel_for in its kernels) run on: cpuThreads where
  // it was built with OpenMP, one where it was not.
  int loopThreads = 0;
};

EngineInfo engineInfo();

// Sets the number of CPU threads LibTorch and the engine's loops use, on every thread that runs
// the engine afterwards (a GUI's workers included).
void setCpuThreads(int threads);

// setCpuThreads(every core): Debian's LibTorch starts with one thread, so every program that runs
// the engine calls this first.
void useEveryCpuCore();

struct MatmulCheck {
  std::string device;
  std::string dtype;
  int size = 0;
  double milliseconds = 0;  // one n×n×n product, after a warm-up
  double tflops = 0;
  double maxRelativeError = 0;  // against a float64 product on the CPU
};

// Multiplies two random n×n matrices on `device` ("cpu" or "cuda") in `dtype` ("float32",
// "bfloat16" or "float16") to prove the backend works and show what it sustains. Throws
// std::runtime_error with a clear message for an unknown device or dtype, or missing CUDA.
MatmulCheck checkMatmul(const std::string& device, const std::string& dtype, int n);

}  // namespace mspa::inference
