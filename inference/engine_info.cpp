#include "inference/engine_info.h"

#include "inference/memory_read.h"
#include "inference/speed_bench.h"
#include "inference/torch_options.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mspa::inference {

c10::ScalarType parseDType(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "bfloat16") return at::kBFloat16;
  if (dtype == "float16") return at::kHalf;
  throw std::runtime_error("unknown dtype '" + dtype +
                           "' (use auto, float32, bfloat16 or float16)");
}

c10::Device parseDevice(const std::string& device) {
  if (device == "cpu") return at::kCPU;
  if (device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw std::runtime_error("CUDA was requested but no CUDA device is available to LibTorch " +
                               std::string(TORCH_VERSION));
    }
    return {at::kCUDA, 0};
  }
  throw std::runtime_error("unknown device '" + device + "' (use cpu or cuda)");
}

namespace {

void synchronize(const c10::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

// Best of three n×n products in `dtype`, in seconds.
double cpuMatmulSeconds(c10::ScalarType dtype, int64_t n) {
  const at::Tensor a = at::randn({n, n}).to(dtype), b = at::randn({n, n}).to(dtype);
  at::mm(a, b);  // warm-up: kernel selection, allocation
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    at::mm(a, b);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// How many threads at::parallel_for gives a loop with one item per thread.
int threadsOfParallelLoops() {
  std::mutex mutex;
  std::set<int> seen;
  at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) {
    const std::lock_guard<std::mutex> lock(mutex);
    seen.insert(at::get_thread_num());
  });
  return static_cast<int>(seen.size());
}

}  // namespace

c10::ScalarType fasterCpuArithmetic(c10::ScalarType storage) {
  if (storage == at::kFloat) return storage;
  static std::mutex mutex;
  static std::map<c10::ScalarType, c10::ScalarType> chosen;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!chosen.count(storage)) {
    c10::NoGradGuard noGrad;
    const bool faster = cpuMatmulSeconds(storage, 768) <= cpuMatmulSeconds(at::kFloat, 768);
    chosen[storage] = faster ? storage : at::kFloat;
  }
  return chosen[storage];
}

EngineInfo engineInfo() {
  EngineInfo info;
  info.libtorchVersion = TORCH_VERSION;
  info.cudaDevices = static_cast<int>(torch::cuda::device_count());
  info.cpuThreads = at::get_num_threads();
  info.loopThreads = threadsOfParallelLoops();
  return info;
}

void setCpuThreads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
}

void useEveryCpuCore() {
  setCpuThreads(static_cast<int>(std::thread::hardware_concurrency()));
}

namespace {

// Runs per second of `work` repeated for a second: the sustained rate (runs / total time) is what
// the phases it is compared with — seconds to minutes long — can get; the best single run is
// kept beside it. On this project's shared CPU host single 2048³ products reached 1,245 GFLOP/s
// in a minute where no whole second passed 707.
struct Rates {
  double sustained = 0, peak = 0;
};
Rates repeatedForASecond(const c10::Device& target, const std::function<void()>& work) {
  work();  // warm-up: allocation, kernel selection
  synchronize(target);
  Rates rates;
  int runs = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < 1.0 || runs < 3) {
    const auto before = std::chrono::steady_clock::now();
    work();
    synchronize(target);
    const auto after = std::chrono::steady_clock::now();
    rates.peak = std::max(rates.peak, 1 / std::chrono::duration<double>(after - before).count());
    elapsed = std::chrono::duration<double>(after - start).count();
    ++runs;
  }
  rates.sustained = runs / elapsed;
  return rates;
}

// Every thread reads its own contiguous share of `values` (float32 on the CPU) once.
void readOnEveryThread(const at::Tensor& values) {
  const float* data = values.data_ptr<float>();
  const int64_t count = values.numel(), threads = at::get_num_threads();
  const int64_t share = (count + threads - 1) / threads;
  std::vector<float> sums(threads);  // stored: a sum nobody keeps could be left out, reads and all
  at::parallel_for(0, count, share, [&](int64_t begin, int64_t end) {
    sums[begin / share] = sumByWidestLoads(data + begin, end - begin);
  });
}

}  // namespace

MachineLimits measureMatmulLimit(const std::string& device, const std::string& dtype) {
  c10::NoGradGuard noGrad;
  const c10::Device target = parseDevice(device);
  // The best of square and prefill-shaped (512 rows against a wide matrix) products: the rate
  // the arithmetic units reach at all, not one shape's luck. A GPU multiplies 2048² matrices in
  // tens of microseconds, where launch overheads would dominate: larger sizes there.
  const auto options = at::TensorOptions().device(target).dtype(parseDType(dtype));
  const std::vector<std::array<int64_t, 3>> shapes =
      !target.is_cpu()
          ? std::vector<std::array<int64_t, 3>>{{8192, 8192, 8192}, {4096, 4096, 14336}}
          : std::vector<std::array<int64_t, 3>>{
                {1024, 1024, 1024}, {2048, 2048, 2048}, {512, 2048, 8192}};
  MachineLimits limits;
  for (const auto& [m, k, n] : shapes) {
    const at::Tensor a = at::randn({m, k}, options), b = at::randn({k, n}, options);
    const Rates products = repeatedForASecond(target, [&] { at::mm(a, b); });
    const double flops = 2.0 * m * k * n;
    limits.matmulGflops = std::max(limits.matmulGflops, flops * products.sustained / 1e9);
    limits.peakMatmulGflops = std::max(limits.peakMatmulGflops, flops * products.peak / 1e9);
  }
  return limits;
}

MachineLimits measureMachineLimits(const std::string& device, const std::string& dtype) {
  c10::NoGradGuard noGrad;
  const c10::Device target = parseDevice(device);
  // A GPU copies 256 MB in a tenth of a millisecond: a larger copy there.
  const at::Tensor from = at::ones({target.is_cpu() ? 64ll << 20 : 1ll << 28},
                                   at::TensorOptions().device(target).dtype(at::kFloat));
  at::Tensor to = at::empty_like(from);
  const double copyBytes = 2.0 * static_cast<double>(from.nbytes());
  const Rates copies = repeatedForASecond(target, [&] { to.copy_(from); });
  MachineLimits limits = measureMatmulLimit(device, dtype);
  limits.bandwidthGBps = copyBytes * copies.sustained / 1e9;
  limits.peakBandwidthGBps = copyBytes * copies.peak / 1e9;
  if (target.is_cpu()) {
    const Rates reads = repeatedForASecond(target, [&] { readOnEveryThread(from); });
    limits.readGBps = static_cast<double>(from.nbytes()) * reads.sustained / 1e9;
    limits.peakReadGBps = static_cast<double>(from.nbytes()) * reads.peak / 1e9;
  }
  return limits;
}

MatmulCheck checkMatmul(const std::string& device, const std::string& dtype, int n) {
  if (n <= 0) throw std::runtime_error("matrix size must be positive");
  const c10::Device target = parseDevice(device);
  const c10::ScalarType type = parseDType(dtype);
  at::manual_seed(0);
  const at::Tensor a64 = at::randn({n, n}, at::kDouble);
  const at::Tensor b64 = at::randn({n, n}, at::kDouble);
  const at::Tensor a = a64.to(target, type);
  const at::Tensor b = b64.to(target, type);
  at::Tensor c = at::matmul(a, b);  // warm-up: kernel selection, allocation
  synchronize(target);
  const auto start = std::chrono::steady_clock::now();
  c = at::matmul(a, b);
  synchronize(target);
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;

  MatmulCheck check;
  check.device = device;
  check.dtype = dtype;
  check.size = n;
  check.milliseconds = elapsed.count();
  check.tflops = 2.0 * n * n * static_cast<double>(n) / (elapsed.count() * 1e-3) / 1e12;
  const at::Tensor reference = at::matmul(a.to(at::kCPU, at::kDouble), b.to(at::kCPU, at::kDouble));
  const at::Tensor error = (c.to(at::kCPU, at::kDouble) - reference).abs().max();
  check.maxRelativeError = error.item<double>() / reference.abs().max().item<double>();
  return check;
}

}  // namespace mspa::inference
