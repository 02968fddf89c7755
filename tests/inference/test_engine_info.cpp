#include <catch2/catch.hpp>

#include "inference/engine_info.h"
#include "inference/memory_read.h"
#include "inference/speed_bench.h"

#include <thread>
#include <vector>

using namespace mspa::inference;
using Catch::Matchers::Contains;

TEST_CASE("The engine reports its LibTorch and multiplies correctly on the CPU") {
  const EngineInfo info = engineInfo();
  CHECK_THAT(info.libtorchVersion, Contains("."));
  CHECK(info.cpuThreads >= 1);
  const MatmulCheck f32 = checkMatmul("cpu", "float32", 96);
  CHECK(f32.maxRelativeError < 1e-5);
  CHECK(f32.tflops > 0);
  const MatmulCheck bf16 = checkMatmul("cpu", "bfloat16", 96);
  CHECK(bf16.maxRelativeError < 3e-2);
  CHECK(bf16.maxRelativeError > f32.maxRelativeError);
}

TEST_CASE("The engine's own loops run on every thread LibTorch has") {
  // at::parallel_for runs serially in a translation unit built without OpenMP, so this fails for
  // an engine built without it.
  const int before = engineInfo().cpuThreads;
  setCpuThreads(2);
  CHECK(engineInfo().loopThreads == 2);
  // The GUI runs the engine on worker threads: the count set on the main thread holds there.
  int onWorker = 0;
  std::thread([&] { onWorker = engineInfo().loopThreads; }).join();
  CHECK(onWorker == 2);
  setCpuThreads(before);
}

TEST_CASE("The engine refuses unknown devices and dtypes, and CUDA when there is none") {
  CHECK_THROWS_WITH(checkMatmul("tpu", "float32", 8), Contains("unknown device 'tpu'"));
  CHECK_THROWS_WITH(checkMatmul("cpu", "int4", 8), Contains("unknown dtype 'int4'"));
  if (engineInfo().cudaDevices == 0) {
    CHECK_THROWS_WITH(checkMatmul("cuda", "float32", 8), Contains("no CUDA device"));
  }
}

TEST_CASE(
    "Limits measured twice keep the higher of each rate, so a slow spell does not lower them") {
  const MachineLimits before{20.0, 1200.0, 26.0, 1700.0, 31.0, 33.0},
      after{23.0, 800.0, 25.0, 1750.0, 29.0, 35.0};
  const MachineLimits limits = higherOf(before, after);
  CHECK(limits.bandwidthGBps == 23.0);
  CHECK(limits.matmulGflops == 1200.0);
  CHECK(limits.peakBandwidthGBps == 26.0);
  CHECK(limits.peakMatmulGflops == 1750.0);
  CHECK(limits.readGBps == 31.0);
  CHECK(limits.peakReadGBps == 35.0);
}

TEST_CASE("Decode is counted against the copy and, where measured, against reads alone") {
  SpeedReport report;
  report.decodeBytesPerToken = 3e9;
  report.decodeTokensPerSecond = 5;
  report.limits.bandwidthGBps = 60;
  CHECK(report.decodeLimitPercent() == Approx(25.0));
  CHECK_FALSE(report.decodeReadLimitPercent());  // a GPU's limits have no read rate
  report.limits.readGBps = 30;
  CHECK(report.decodeReadLimitPercent() == Approx(50.0));
}

TEST_CASE("The read bandwidth's sum reads every value, whole vectors or not") {
  for (const std::int64_t count : {0, 1, 15, 16, 63, 64, 65, 1000003}) {
    CAPTURE(count);
    // Small integers: every partial sum is exact in float32, whatever the order.
    std::vector<float> values(count);
    double want = 0;
    for (std::int64_t i = 0; i < count; ++i) want += values[i] = static_cast<float>(i % 5);
    CHECK(sumByWidestLoads(values.data(), count) == want);
  }
}

TEST_CASE(
    "The vision rounds' share is their median: the middle one, or the mean of the middle two") {
  SpeedReport report;
  CHECK_FALSE(report.medianVisionRoundPercent());
  report.visionRoundPercents = {61.0, 35.0, 48.0};
  CHECK(report.medianVisionRoundPercent() == 48.0);
  report.visionRoundPercents = {61.0, 35.0, 48.0, 52.0};
  CHECK(report.medianVisionRoundPercent() == 50.0);
}
