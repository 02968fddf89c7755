#pragma once

// Torch-facing: what the engine uses of CUDA beyond ATen's operators, compiled in only where
// LibTorch was built with CUDA (MSPA_WITH_CUDA); elsewhere these report that they are absent.

#include <ATen/ATen.h>

#include <functional>
#include <memory>

namespace mspa::inference {

// Work recorded once as a CUDA graph and replayed: one launch instead of a thousand for a decode
// step, whose kernels are each too short to hide LibTorch's per-operator overhead. The work must
// keep every shape and address fixed and must not synchronise with the host.
class RecordedWork {
 public:
  RecordedWork();
  ~RecordedWork();
  RecordedWork(const RecordedWork&) = delete;
  RecordedWork& operator=(const RecordedWork&) = delete;

  // Whether this build can record graphs at all.
  static bool available();
  // Runs `work` once on a side stream (its result is returned: this call's answer, and the
  // warm-up CUDA asks for before a capture), then records it. Throws where not available.
  at::Tensor record(const std::function<at::Tensor()>& work);
  bool recorded() const;
  void clear();  // forgets the recording
  // Runs the recorded work on the current stream; returns the tensor it writes its result into.
  at::Tensor replay();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mspa::inference
