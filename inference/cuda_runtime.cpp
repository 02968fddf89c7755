#include "inference/cuda_runtime.h"

#include "inference/memory_need.h"

#include <stdexcept>

#ifdef MSPA_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>
#endif

namespace mspa::inference {

#ifdef MSPA_WITH_CUDA

struct RecordedWork::Impl {
  // Capture must happen off the default stream; the warm-up runs on the same one so that cuBLAS
  // has its workspace for that stream before recording starts.
  c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  at::Tensor output;
};

RecordedWork::RecordedWork() : impl_(std::make_unique<Impl>()) {}
RecordedWork::~RecordedWork() = default;

bool RecordedWork::available() {
  return true;
}

at::Tensor RecordedWork::record(const std::function<at::Tensor()>& work) {
  torch::cuda::synchronize();  // the side stream must see what the default stream wrote
  at::Tensor result;
  {
    c10::cuda::CUDAStreamGuard guard(impl_->stream);
    result = work();
    torch::cuda::synchronize();
    impl_->graph = std::make_unique<at::cuda::CUDAGraph>();
    impl_->graph->capture_begin();
    impl_->output = work();
    impl_->graph->capture_end();
  }
  torch::cuda::synchronize();
  return result;
}

bool RecordedWork::recorded() const {
  return impl_->graph != nullptr;
}

void RecordedWork::clear() {
  impl_->graph.reset();
  impl_->output = at::Tensor();
}

at::Tensor RecordedWork::replay() {
  impl_->graph->replay();
  return impl_->output;
}

std::optional<std::size_t> peakDeviceBytes() {
  if (!torch::cuda::is_available()) return std::nullopt;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
  return static_cast<std::size_t>(stats.allocated_bytes[0].peak);
}

void resetPeakDeviceBytes() {
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(0);
}

#else

struct RecordedWork::Impl {};

RecordedWork::RecordedWork() = default;
RecordedWork::~RecordedWork() = default;

bool RecordedWork::available() {
  return false;
}

at::Tensor RecordedWork::record(const std::function<at::Tensor()>&) {
  throw std::logic_error("this build of the engine cannot record CUDA graphs");
}

bool RecordedWork::recorded() const {
  return false;
}
void RecordedWork::clear() {}

at::Tensor RecordedWork::replay() {
  throw std::logic_error("this build of the engine cannot record CUDA graphs");
}

std::optional<std::size_t> peakDeviceBytes() {
  return std::nullopt;
}
void resetPeakDeviceBytes() {}

#endif

}  // namespace mspa::inference
