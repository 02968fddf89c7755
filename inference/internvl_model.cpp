#include "inference/internvl_model.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "inference/activations.h"
#include "inference/attention.h"
#include "inference/checkpoint.h"
#include "inference/cuda_runtime.h"
#include "inference/device_errors.h"
#include "inference/huge_pages.h"
#include "inference/json_file.h"
#include "inference/memory_need.h"
#include "inference/norms.h"
#include "inference/products.h"
#include "inference/token_sampling.h"
#include "inference/torch_options.h"
#include "inference/vision_cache.h"
#include "inference/weight_source.h"

namespace mspa::inference {
namespace {

// The <IMG_CONTEXT> id from the tokenizer files next to the weights, or -1.
int imageTokenFromTokenizer(const std::string& dir) {
  const auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  };
  const auto added = read(std::filesystem::path(dir) / "added_tokens.json");
  if (added.is_object() && added.contains("<IMG_CONTEXT>"))
    return static_cast<int>(tokenIdOf(added["<IMG_CONTEXT>"]));
  const auto tokenizer = read(std::filesystem::path(dir) / "tokenizer.json");
  if (tokenizer.is_object() && tokenizer.contains("added_tokens")) {
    for (const auto& t : tokenizer["added_tokens"]) {
      if (t.is_object() && t.contains("content") && t["content"] == "<IMG_CONTEXT>" &&
          t.contains("id")) {
        return static_cast<int>(tokenIdOf(t["id"]));
      }
    }
  }
  return -1;
}

// Row counts up to this read a weight as stored (bandwidth-bound: decode, the logits of a few
// positions); more rows convert it to the activations' dtype once (compute-bound: prefill, vision).
constexpr int64_t kRowsReadAsStored = 64;

// Prompt tokens per pass through the decoder, and tiles per pass through the vision encoder.
// On the CPU activations stay bounded whatever the prompt, and small enough (a few tens of MB)
// for the allocator to reuse them pass after pass instead of mapping fresh pages. A GPU wants
// whole prompts: each pass costs a thousand kernel launches, and flash attention applies to a
// prompt attending from its first position.
int64_t prefillChunk(const c10::Device& device) {
  return device.is_cpu() ? 512 : 16384;
}
int visionChunkTiles(const c10::Device& device) {
  return device.is_cpu() ? 2 : 64;
}

// KV cache capacity is a multiple of this many positions.
constexpr int64_t kCacheBlock = 256;

// Weights may be stored in another dtype than the activations (bfloat16 weights, float32
// arithmetic).
at::Tensor dense(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {}) {
  if (w.scalar_type() == x.scalar_type()) return linearForCpu(x, w, b);
  if (rowsOf(x) <= kRowsReadAsStored) {
    const at::Tensor xs = x.to(w.scalar_type());
    return linearForCpu(xs, w, b.defined() ? b.to(w.scalar_type()) : b).to(x.scalar_type());
  }
  return linearForCpu(x, w.to(x.scalar_type()), b);
}

// Matrices stay in the storage dtype (in place from the map where possible); everything else
// (norms, biases, layer scales, the vision tower's embeddings) is small and joins the
// activations' dtype.
void castSmallTensors(std::map<std::string, at::Tensor>& weights, c10::ScalarType arithmetic) {
  for (auto& [name, t] : weights) {
    if (t.dim() != 2) t = t.to(arithmetic);
  }
}

// LibTorch failures (CUDA out of memory above all) as one clear line naming what was being done.
template <typename Work>
auto translatingDeviceErrors(const std::string& during, Work&& work) {
  try {
    return work();
  } catch (const c10::Error& e) {
    throw std::runtime_error(describeDeviceFailure(during, e.what()));
  }
}

}  // namespace

int ImageTiles::count() const {
  return std::accumulate(perImage.begin(), perImage.end(), 0);
}

struct InternVLModel::Impl {
  ModelConfig config;
  std::map<std::string, at::Tensor> w;
  std::shared_ptr<const WeightSource> source;  // keeps the tensors used in place mapped
  std::size_t bytesInPlace = 0;
  std::vector<MemoryRange> weightsInHugePages;  // LoadedWeights::inHugePages
  bool hugePages = true;                        // LoadOptions::hugePages
  c10::Device device = at::kCPU;
  c10::ScalarType storage = at::kFloat;     // matrices and the KV cache
  c10::ScalarType arithmetic = at::kFloat;  // activations
  std::string storageText;
  int imageTokenId = -1;
  KvCache kv;
  std::unique_ptr<RotaryTable> rotary;
  VisionCache visionCache{kDefaultVisionCacheBytes};
  at::Tensor lastLogits;         // [B, positions, vocab]
  std::vector<int64_t> padding;  // per sequence: cache columns before its first token
  // The ids whose keys and values the cache holds, in order (one sequence; empty for a batch):
  // what attentionMap can start from instead of a pass over the prompt.
  std::vector<std::int64_t> cachedIds;
  // The fixed-shape decode step's inputs on the device: tokens [B, 1], their cache column [1] and
  // each sequence's padding [B]; and the step recorded as a CUDA graph with what it was recorded
  // for (the cache's memory and the rotary table's).
  bool fixedShapeDecode = false, recordDecode = false;
  at::Tensor stepTokens, stepColumn, stepPadding;
  RecordedWork recorded;
  std::tuple<int, const void*> recordedFor{-1, nullptr};
  double visionMs = 0;

  static constexpr std::size_t kDefaultVisionCacheBytes = 512ull << 20;

  const at::Tensor& get(const std::string& name) const { return w.at(name); }
  at::Tensor opt(const std::string& name) const {
    const auto it = w.find(name);
    return it == w.end() ? at::Tensor() : it->second;
  }
  at::TensorOptions activations() const {
    return at::TensorOptions().device(device).dtype(arithmetic);
  }
  at::TensorOptions cacheOptions() const {
    return at::TensorOptions().device(device).dtype(storage);
  }
  // Positions in whole blocks, so that questions of similar length keep the cache's memory and
  // with it a recorded decode step.
  static int64_t cacheCapacity(int64_t promptLength, int newTokens) {
    return (promptLength + std::max(newTokens, 1) + kCacheBlock - 1) / kCacheBlock * kCacheBlock;
  }

  at::Tensor pixelValues(const std::uint8_t* tiles, int count) const {
    const int s = config.vision.imageSize;
    // The bytes go to the device first: normalising there is free on a GPU, where the host
    // would spend tens of milliseconds.
    const at::Tensor bytes =
        at::from_blob(const_cast<std::uint8_t*>(tiles), {count, s, s, 3}, at::kByte).to(device);
    const auto floats = at::TensorOptions().device(device).dtype(at::kFloat);
    const at::Tensor mean = at::tensor({0.485f, 0.456f, 0.406f}).to(floats);
    const at::Tensor stdev = at::tensor({0.229f, 0.224f, 0.225f}).to(floats);
    const at::Tensor x = (bytes.to(at::kFloat) / 255.0f - mean) / stdev;
    return x.permute({0, 3, 1, 2}).contiguous().to(activations());
  }

  at::Tensor visionNorm(const at::Tensor& x, const std::string& name) const {
    const VisionConfig& v = config.vision;
    if (v.rmsNorm) return rmsNorm(x, get(name + ".w"), v.normEps);
    return layerNorm(x, get(name + ".w"), get(name + ".b"), v.normEps);
  }

  at::Tensor visionEncoder(const at::Tensor& pixels) const {
    const VisionConfig& v = config.vision;
    at::Tensor x =
        at::conv2d(pixels, get("v.patch.w"), get("v.patch.b"), {v.patchSize, v.patchSize});
    x = x.flatten(2).transpose(1, 2);  // [N, patches, C]
    const int64_t n = x.size(0);
    x = at::cat({get("v.cls").expand({n, 1, v.hidden}), x}, 1) + get("v.pos");
    const int64_t heads = v.heads, d = v.hidden / v.heads;
    for (int i = 0; i < v.layers; ++i) {
      const std::string p = "v." + std::to_string(i) + ".";
      const at::Tensor h = visionNorm(x, p + "norm1");
      at::Tensor q, k, vv;
      if (const at::Tensor qkv = opt(p + "qkv.w"); qkv.defined()) {
        const auto parts = dense(h, qkv, opt(p + "qkv.b")).chunk(3, -1);
        q = parts[0], k = parts[1], vv = parts[2];
      } else {
        q = dense(h, get(p + "q.w"), opt(p + "q.b"));
        k = dense(h, get(p + "k.w"), opt(p + "k.b"));
        vv = dense(h, get(p + "v.w"), opt(p + "v.b"));
      }
      if (v.qkNorm) {
        q = rmsNorm(q, get(p + "qnorm.w"), v.normEps);
        k = rmsNorm(k, get(p + "knorm.w"), v.normEps);
      }
      const auto split = [&](const at::Tensor& t) {
        return t.view({n, -1, heads, d}).transpose(1, 2);
      };
      const at::Tensor a = attend(split(q), split(k), split(vv), false, 0)
                               .transpose(1, 2)
                               .reshape({n, -1, v.hidden});
      // In place, in one pass each: x is this encoder's own from its first sum on.
      x.addcmul_(get(p + "ls1"), dense(a, get(p + "proj.w"), get(p + "proj.b")));
      x.addcmul_(get(p + "ls2"), visionMlp(visionNorm(x, p + "norm2"), p));
    }
    return x;
  }

  at::Tensor visionMlp(const at::Tensor& x, const std::string& p) const {
    const at::Tensor &w1 = get(p + "fc1.w"), &b1 = get(p + "fc1.b");
    if (const at::Tensor blocks = opt(p + "fc2.w.blocks"); blocks.defined()) {
      const auto hidden = [&](const at::Tensor& rows, int64_t first, int64_t width) {
        return geluOverwriting(dense(rows, w1.narrow(0, first, width), b1.narrow(0, first, width)));
      };
      return mlpInHiddenBlocks(x, hidden, w1.size(0), blocks, get(p + "fc2.b"));
    }
    return dense(geluOverwriting(dense(x, w1, b1)), get(p + "fc2.w"), get(p + "fc2.b"));
  }

  // Drops the class token, pixel-shuffles (ps_version v2) and projects into the LLM's width.
  at::Tensor project(const at::Tensor& encoded) const {
    const double r = config.downsampleRatio;
    at::Tensor x = encoded.narrow(1, 1, encoded.size(1) - 1);
    const int64_t n = x.size(0),
                  side =
                      static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(x.size(1))))),
                  c = x.size(2);
    x = x.reshape({n, side, side, c});
    x = x.view({n, side, static_cast<int64_t>(side * r), static_cast<int64_t>(c / r)})
            .permute({0, 2, 1, 3})
            .contiguous();
    x = x.view({n, static_cast<int64_t>(side * r), static_cast<int64_t>(side * r),
                static_cast<int64_t>(c / (r * r))});
    x = x.permute({0, 2, 1, 3}).contiguous().reshape({n, -1, static_cast<int64_t>(c / (r * r))});
    x = layerNorm(x, get("p.norm.w"), get("p.norm.b"), 1e-5);
    return dense(geluOverwriting(dense(x, get("p.fc1.w"), get("p.fc1.b"))), get("p.fc2.w"),
                 get("p.fc2.b"));
  }

  std::size_t tileBytes() const {
    return static_cast<std::size_t>(config.vision.imageSize) * config.vision.imageSize * 3;
  }

  at::Tensor visionEmbeddings(const std::uint8_t* tiles, int count) const {
    std::vector<at::Tensor> parts;
    const int perPass = visionChunkTiles(device);
    for (int first = 0; first < count; first += perPass) {
      const int n = std::min(perPass, count - first);
      parts.push_back(project(visionEncoder(pixelValues(tiles + first * tileBytes(), n)))
                          .reshape({-1, config.llm.hidden}));
    }
    return at::cat(parts);
  }

  // Each image's embeddings from the cache or the encoder, in order: [image tokens, hidden].
  at::Tensor imageEmbeddings(const ImageTiles& images) {
    std::vector<at::Tensor> parts;
    const std::uint8_t* next = images.data;
    for (const int count : images.perImage) {
      const std::string_view bytes(reinterpret_cast<const char*>(next), tileBytes() * count);
      at::Tensor e = visionCache.find(bytes);
      if (!e.defined()) {
        e = visionEmbeddings(next, count);
        visionCache.insert(bytes, e);
      }
      parts.push_back(e);
      next += bytes.size();
    }
    return at::cat(parts);
  }

  // Queries [B, H, L, D], keys and values [B, Hkv, L, D]. InternLM2's packed wqkv holds, for
  // each KV head, its query heads, then its key, then its value.
  std::tuple<at::Tensor, at::Tensor, at::Tensor> projectQkv(const at::Tensor& h,
                                                            const std::string& p) const {
    const LlmConfig& c = config.llm;
    const int64_t batch = h.size(0), length = h.size(1);
    const auto heads = [&](const at::Tensor& t, int64_t n) {
      return t.reshape({batch, length, n, c.headDim}).transpose(1, 2);
    };
    if (const at::Tensor wqkv = opt(p + "wqkv"); wqkv.defined()) {
      const int64_t groups = c.heads / c.kvHeads;
      const at::Tensor grouped =
          dense(h, wqkv).view({batch, length, c.kvHeads, groups + 2, c.headDim});
      return {heads(grouped.narrow(3, 0, groups), c.heads),
              heads(grouped.select(3, groups), c.kvHeads),
              heads(grouped.select(3, groups + 1), c.kvHeads)};
    }
    if (const at::Tensor joined = opt(p + "qkv.w"); joined.defined()) {
      const at::Tensor all = dense(h, joined, opt(p + "qkv.b"));
      const int64_t q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
      return {heads(all.narrow(-1, 0, q), c.heads), heads(all.narrow(-1, q, kv), c.kvHeads),
              heads(all.narrow(-1, q + kv, kv), c.kvHeads)};
    }
    return {heads(dense(h, get(p + "q.w"), opt(p + "q.b")), c.heads),
            heads(dense(h, get(p + "k.w"), opt(p + "k.b")), c.kvHeads),
            heads(dense(h, get(p + "v.w"), opt(p + "v.b")), c.kvHeads)};
  }

  // cos and sin for the cache columns [start, start + length): a row's positions count from its
  // first token after the left padding.
  std::pair<at::Tensor, at::Tensor> rotaryFor(int64_t start, int64_t length) {
    if (std::all_of(padding.begin(), padding.end(), [](int64_t p) { return p == 0; }))
      return rotary->at(start, length);
    const auto [cos, sin] = rotary->at(0, start + length);
    const at::Tensor columns =
        at::arange(start, start + length, at::TensorOptions().device(device).dtype(at::kLong));
    const at::Tensor pads = at::tensor(padding, at::kLong).to(device).unsqueeze(1);
    const at::Tensor positions = (columns.unsqueeze(0) - pads).clamp_min(0).flatten();
    const auto rows = [&](const at::Tensor& table) {
      return table.index_select(0, positions)
          .view({static_cast<int64_t>(padding.size()), 1, length, -1});
    };
    return {rows(cos), rows(sin)};
  }

  // silu(gate·g) ⊙ (up·g), in one product where the two matrices were joined at load.
  at::Tensor gatedUnit(const at::Tensor& g, const std::string& p) const {
    if (const at::Tensor joined = opt(p + "gateup"); joined.defined()) {
      const auto halves = dense(g, joined).chunk(2, -1);
      return at::silu(halves[0]) * halves[1];
    }
    return siluTimesOverwriting(dense(g, get(p + "gate")), dense(g, get(p + "up")));
  }

  // down(gatedUnit(g)); on the CPU with down's weight in column blocks: a prompt's rows in hidden
  // blocks, a decode step's few in one batched product over the blocks.
  at::Tensor feedForward(const at::Tensor& g, const std::string& p) const {
    const at::Tensor blocks = opt(p + "down.blocks");
    if (!blocks.defined()) return dense(gatedUnit(g, p), get(p + "down"));
    if (rowsOf(g) <= kRowsReadAsStored) return productWithColumnBlocks(gatedUnit(g, p), blocks, {});
    const at::Tensor joined = opt(p + "gateup");
    const int64_t units = config.llm.intermediate;
    const at::Tensor gate = joined.defined() ? joined.narrow(0, 0, units) : get(p + "gate");
    const at::Tensor up = joined.defined() ? joined.narrow(0, units, units) : get(p + "up");
    const auto hidden = [&](const at::Tensor& rows, int64_t first, int64_t width) {
      return siluTimesOverwriting(dense(rows, gate.narrow(0, first, width)),
                                  dense(rows, up.narrow(0, first, width)));
    };
    return mlpInHiddenBlocks(g, hidden, units, blocks, {});
  }

  // The decoder's layers over x [B, L, hidden] with rotary cos and sin for its positions;
  // `attention(layer, q, k, v)` stores k and v and attends (rotated q [B, H, L, D]). Returns the
  // final norm's output.
  template <typename Attention>
  at::Tensor layers(at::Tensor x, const at::Tensor& cos, const at::Tensor& sin,
                    Attention&& attention) {
    const LlmConfig& c = config.llm;
    const int64_t batch = x.size(0), length = x.size(1);
    for (int i = 0; i < c.layers; ++i) {
      const std::string p = "l." + std::to_string(i) + ".";
      const at::Tensor h = rmsNorm(x, get(p + "attn_norm"), c.normEps);
      auto [q, k, v] = projectQkv(h, p);
      const at::Tensor a = attention(i, applyRotary(q, cos, sin), applyRotary(k, cos, sin), v)
                               .transpose(1, 2)
                               .reshape({batch, length, c.heads * c.headDim});
      // From its first sum on x is this pass's own, and the sums go in place (a bfloat16 sum into a
      // fresh tensor takes 2.8x as long here: its pages are cold).
      const at::Tensor attended = dense(a, get(p + "o.w"));
      x = i == 0 ? x + attended : x.add_(attended);
      const at::Tensor g = rmsNorm(x, get(p + "ffn_norm"), c.normEps);
      x.add_(feedForward(g, p));
    }
    return rmsNorm(x, get("l.norm"), c.normEps);
  }

  // Sees each layer's rotated queries [B, H, L, D] and its keys so far [B, Hkv, S, D].
  using AttentionObserver = std::function<void(int, const at::Tensor&, const at::Tensor&)>;

  // x [B, L, hidden] after the cached positions; returns the final norm's output.
  at::Tensor decoder(const at::Tensor& x, const AttentionObserver& observe = {}) {
    const int64_t length = x.size(1), start = kv.length();
    kv.reserve(start + length);
    const auto [cos, sin] = rotaryFor(start, length);
    const at::Tensor out = layers(
        x, cos, sin, [&](int i, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
          const auto [keys, values] = kv.append(i, k, v);
          if (observe) observe(i, q, keys);
          return attend(q, keys, values, true, start, padding);
        });
    kv.advance(length);
    return out;
  }

  // Whether decode steps go through fixedShapeStep (recorded as a CUDA graph where possible):
  // not past the trained length under dynamic NTK, where the rotary base changes every step.
  bool useFixedShapeStep() const {
    return fixedShapeDecode &&
           !(config.llm.ropeScaling == "dynamic" && kv.capacity() > config.llm.maxPositions);
  }

  // One decode step whose shapes depend only on the batch and the cache's capacity: the tokens
  // (stepTokens) and their cache column (stepColumn) are device data, rotary rows are gathered
  // on the device and attention reads the whole capacity behind a mask. Logits [B, 1, vocab].
  at::Tensor fixedShapeStep() {
    const auto longs = at::TensorOptions().device(device).dtype(at::kLong);
    const int64_t batch = stepTokens.size(0), capacity = kv.capacity();
    const at::Tensor positions = stepColumn - stepPadding;  // [B]
    const auto [table, tableSin] = rotary->at(0, capacity);
    const at::Tensor cos = table.index_select(0, positions).view({batch, 1, 1, -1});
    const at::Tensor sin = tableSin.index_select(0, positions).view({batch, 1, 1, -1});
    const at::Tensor columns = at::arange(capacity, longs).view({1, 1, 1, capacity});
    const at::Tensor hidden =
        (columns > stepColumn) | (columns < stepPadding.view({batch, 1, 1, 1}));
    const at::Tensor out =
        layers(embed(stepTokens), cos, sin,
               [&](int i, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
                 const auto [keys, values] = kv.write(i, stepColumn, k, v);
                 return attendAll(q, keys, values, hidden);
               });
    return dense(out, get("l.head"));
  }

  // Feeds one token per sequence through fixedShapeStep: recorded at the first step after the
  // cache's memory (its batch or capacity) or the rotary table changed, replayed after.
  void decodeFixedShape(const std::vector<std::int64_t>& tokens) {
    kv.reserve(kv.length() + 1);
    stepTokens.copy_(at::tensor(tokens, at::kLong).view({-1, 1}));
    stepColumn.fill_(kv.length());
    if (!recordDecode) {
      lastLogits = fixedShapeStep();
    } else {
      const std::tuple<int, const void*> key{kv.generation(),
                                             rotary->at(0, kv.capacity()).first.data_ptr()};
      if (recorded.recorded() && recordedFor == key) {
        lastLogits = recorded.replay();
      } else {
        recorded.clear();
        lastLogits = recorded.record([&] { return fixedShapeStep(); });
        recordedFor = key;
      }
    }
    kv.advance(1);
  }

  at::Tensor embed(const at::Tensor& tokens) const {
    return at::embedding(get("l.embed"), tokens).to(arithmetic);
  }

  void configure(ModelConfig modelConfig, const LoadOptions& options);
  void useWeights(LoadedWeights weights);
  void joinProjections();
  void prefill(const std::vector<std::vector<std::int64_t>>& prompts,
               const std::vector<ImageTiles>& images, int newTokens, int keepLogits);
  // Refuses, with the estimate, a batch whose KV cache and activations do not fit the device.
  void requireBatchMemory(const std::vector<std::vector<std::int64_t>>& prompts, int newTokens);
  // Token ids [B, L] with each prompt left-padded to the longest, and its image positions filled.
  at::Tensor promptEmbeddings(const std::vector<std::vector<std::int64_t>>& prompts,
                              const std::vector<ImageTiles>& images);
};

InternVLModel::InternVLModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InternVLModel::~InternVLModel() = default;

void InternVLModel::Impl::configure(ModelConfig modelConfig, const LoadOptions& options) {
  config = std::move(modelConfig);
  hugePages = options.hugePages;
  device = parseDevice(options.device);
  const bool automatic = options.dtype.empty() || options.dtype == "auto";
  storageText = storageDtype(config, options.device, options.dtype);
  storage = parseDType(storageText);
  if (device.is_cpu() && storage == at::kHalf)
    throw std::runtime_error(
        "float16 is not supported on the cpu (LibTorch has no half-precision CPU "
        "kernels for these layers): use auto, bfloat16 or float32");
  arithmetic = automatic && device.is_cpu() ? fasterCpuArithmetic(storage) : storage;
  recordDecode = device.is_cuda() && options.cudaGraphs && RecordedWork::available();
  fixedShapeDecode = recordDecode || options.fixedShapeDecode;
  const LlmConfig& c = config.llm;
  rotary = std::make_unique<RotaryTable>(c.headDim, c.ropeTheta, c.ropeScaling == "dynamic",
                                         c.ropeFactor, c.maxPositions, activations());
}

void InternVLModel::Impl::useWeights(LoadedWeights weights) {
  w = std::move(weights.tensors);
  source = std::move(weights.source);
  bytesInPlace = weights.bytesInPlace;
  weightsInHugePages = std::move(weights.inHugePages);
  castSmallTensors(w, arithmetic);
  if (fixedShapeDecode) joinProjections();
}

// q, k and v, and gate and up, each as one matrix: a decode step launches three kernels fewer per
// layer and reads each joined matrix in one pass. Done where decode steps are recorded (on the
// GPU, where the copy is brief); the CPU reads its checkpoint in place instead.
void InternVLModel::Impl::joinProjections() {
  const auto join = [&](const std::string& to, const std::vector<std::string>& from) {
    std::vector<at::Tensor> parts;
    for (const auto& name : from) parts.push_back(w.at(name));
    w[to] = at::cat(parts);
    for (const auto& name : from) w.erase(name);
  };
  for (int i = 0; i < config.llm.layers; ++i) {
    const std::string p = "l." + std::to_string(i) + ".";
    if (w.count(p + "q.w")) join(p + "qkv.w", {p + "q.w", p + "k.w", p + "v.w"});
    if (w.count(p + "q.b")) join(p + "qkv.b", {p + "q.b", p + "k.b", p + "v.b"});
    join(p + "gateup", {p + "gate", p + "up"});
  }
}

std::unique_ptr<InternVLModel> InternVLModel::load(const std::string& modelDir,
                                                   const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->configure(readModelConfig(modelDir), options);
  auto source = std::make_shared<const WeightSource>(modelDir, impl->config, options.loraDir);
  if (options.checkMemory)
    requireMemory(describeMemoryNeed(*source, impl->config, options.device, impl->storageText),
                  modelDir);
  auto weights = translatingDeviceErrors("loading " + modelDir, [&] {
    return loadCheckpoint(std::move(source), impl->config, impl->device, impl->storage,
                          options.hugePages);
  });
  impl->useWeights(std::move(weights));
  impl->imageTokenId = options.imageTokenId >= 0        ? options.imageTokenId
                       : impl->config.imageTokenId >= 0 ? impl->config.imageTokenId
                                                        : imageTokenFromTokenizer(modelDir);
  return std::unique_ptr<InternVLModel>(new InternVLModel(std::move(impl)));
}

std::unique_ptr<InternVLModel> InternVLModel::withRandomWeights(const std::string& configPath,
                                                                const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->configure(readModelConfigFile(configPath), options);
  if (options.checkMemory) {
    const std::size_t bytes = randomWeightBytes(impl->config, impl->storage);
    requireMemory(describeMemoryNeed(bytes, impl->config, options.device, impl->storageText),
                  configPath);
  }
  impl->useWeights(translatingDeviceErrors("making random weights for " + configPath, [&] {
    return randomWeights(impl->config, impl->device, impl->storage, options.hugePages);
  }));
  const int configured =
      options.imageTokenId >= 0 ? options.imageTokenId : impl->config.imageTokenId;
  impl->imageTokenId = configured >= 0 ? configured : impl->config.llm.vocab - 1;
  return std::unique_ptr<InternVLModel>(new InternVLModel(std::move(impl)));
}

const ModelConfig& InternVLModel::config() const {
  return impl_->config;
}
int InternVLModel::imageTokenId() const {
  return impl_->imageTokenId;
}
std::string InternVLModel::device() const {
  return impl_->device.str();
}
std::string InternVLModel::dtype() const {
  const Impl& m = *impl_;
  return m.storageText + (m.arithmetic == m.storage ? "" : " (float32 arithmetic)");
}
std::size_t InternVLModel::weightBytes() const {
  std::size_t bytes = 0;
  for (const auto& [name, tensor] : impl_->w) bytes += tensor.numel() * tensor.element_size();
  return bytes;
}
std::size_t InternVLModel::languageWeightBytes() const {
  std::size_t bytes = 0;
  for (const auto& [name, tensor] : impl_->w) {
    if (name.rfind("l.", 0) == 0 && name != "l.embed") bytes += tensor.nbytes();
  }
  return bytes;
}
std::size_t InternVLModel::kvBytesPerPosition() const {
  const LlmConfig& c = impl_->config.llm;
  return 2ull * c.layers * c.kvHeads * c.headDim * c10::elementSize(impl_->storage);
}
std::string InternVLModel::arithmeticDtype() const {
  return impl_->arithmetic == impl_->storage ? impl_->storageText : "float32";
}
std::size_t InternVLModel::weightBytesInPlace() const {
  return impl_->bytesInPlace;
}
std::size_t InternVLModel::weightBytesInHugePages() const {
  std::size_t bytes = 0;
  for (const MemoryRange& range : impl_->weightsInHugePages) bytes += bytesInHugePages(range);
  return bytes;
}
bool InternVLModel::recordsDecodeSteps() const {
  return impl_->recordDecode;
}
int InternVLModel::cachedPositions() const {
  return static_cast<int>(impl_->kv.length());
}
std::size_t InternVLModel::kvCacheBytes() const {
  return impl_->kv.bytes();
}
double InternVLModel::lastVisionMilliseconds() const {
  return impl_->visionMs;
}
VisionCacheStats InternVLModel::visionCache() const {
  return impl_->visionCache.stats();
}
void InternVLModel::setVisionCacheCapacity(std::size_t bytes) {
  impl_->visionCache.setCapacity(bytes);
}

std::vector<float> InternVLModel::visionEmbeddings(const std::uint8_t* tiles, int count) {
  c10::NoGradGuard noGrad;
  const at::Tensor e = impl_->visionEmbeddings(tiles, count).to(at::kCPU, at::kFloat).contiguous();
  return {e.data_ptr<float>(), e.data_ptr<float>() + e.numel()};
}

void InternVLModel::prefill(const std::vector<std::int64_t>& ids, const ImageTiles& images,
                            int newTokens, int keepLogits) {
  prefillBatch({ids}, {images}, newTokens, keepLogits);
}

void InternVLModel::prefillBatch(const std::vector<std::vector<std::int64_t>>& prompts,
                                 const std::vector<ImageTiles>& images, int newTokens,
                                 int keepLogits) {
  if (prompts.empty() || prompts.size() != images.size())
    throw std::invalid_argument("prefillBatch needs one image set per prompt");
  std::size_t tokens = 0;
  int tiles = 0;
  for (std::size_t b = 0; b < prompts.size(); ++b) {
    if (prompts[b].empty()) throw std::runtime_error("an empty prompt");
    for (const auto id : prompts[b]) {
      if (id < 0 || id >= impl_->config.llm.vocab) {
        throw std::runtime_error(
            "token id " + std::to_string(id) + " is outside the model's vocabulary of " +
            std::to_string(impl_->config.llm.vocab) + " (tokenizer and weights do not match)");
      }
    }
    tokens += prompts[b].size();
    tiles += images[b].count();
  }
  impl_->requireBatchMemory(prompts, newTokens);
  translatingDeviceErrors(
      "prefill of " + std::to_string(tokens) + " tokens and " + std::to_string(tiles) + " tiles",
      [&] {
        impl_->prefill(prompts, images, newTokens, keepLogits);
        // Kernels run asynchronously: without this, prefill's time would be the host's alone.
        if (impl_->device.is_cuda()) torch::cuda::synchronize();
      });
}

void InternVLModel::Impl::requireBatchMemory(const std::vector<std::vector<std::int64_t>>& prompts,
                                             int newTokens) {
  std::size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  const LlmConfig& c = config.llm;
  const int64_t capacity = cacheCapacity(static_cast<int64_t>(longest), newTokens);
  const bool kept = kv.holds(c.layers, static_cast<int64_t>(prompts.size()), c.kvHeads, c.headDim,
                             capacity, cacheOptions());
  if (!kept) kv = KvCache();  // the previous question's cache is not needed any more
  const double batch = static_cast<double>(prompts.size());
  const double cache = kept ? 0
                            : batch * static_cast<double>(capacity) * 2.0 * c.layers * c.kvHeads *
                                  c.headDim * static_cast<double>(c10::elementSize(storage));
  const double rows = static_cast<double>(std::min<int64_t>(prefillChunk(device), longest));
  const double activations = batch * rows * 4.0 * std::max(c.intermediate, c.hidden) *
                             static_cast<double>(c10::elementSize(arithmetic));
  const auto available = availableMemory(device.is_cpu() ? "cpu" : "cuda");
  if (!available || cache + activations <= static_cast<double>(*available)) return;
  const std::string what = prompts.size() == 1
                               ? "a sequence"
                               : "a batch of " + std::to_string(prompts.size()) + " sequences";
  char text[320];
  std::snprintf(text, sizeof text,
                "%s of up to %zu tokens needs %.1f GB (KV cache %.1f GB + activations %.1f GB) but "
                "the %s has %.1f GB available: %s",
                what.c_str(), longest + std::max(newTokens, 1), (cache + activations) / 1e9,
                cache / 1e9, activations / 1e9, device.is_cpu() ? "cpu" : "cuda device",
                static_cast<double>(*available) / 1e9,
                prompts.size() == 1 ? "ask for fewer new tokens" : "lower the batch");
  throw std::runtime_error(text);
}

at::Tensor InternVLModel::Impl::promptEmbeddings(
    const std::vector<std::vector<std::int64_t>>& prompts, const std::vector<ImageTiles>& images) {
  std::size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  const std::int64_t filler = imageTokenId == 0 ? 1 : 0;  // any id but the image token
  std::vector<std::int64_t> ids;
  padding.clear();
  for (const auto& p : prompts) {
    padding.push_back(static_cast<int64_t>(longest - p.size()));
    ids.insert(ids.end(), longest - p.size(), filler);
    ids.insert(ids.end(), p.begin(), p.end());
  }
  const at::Tensor tokens =
      at::tensor(ids, at::kLong).to(device).view({static_cast<int64_t>(prompts.size()), -1});
  at::Tensor x = embed(tokens);  // [B, L, hidden]
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t b = 0; b < prompts.size(); ++b) {
    const at::Tensor isImage = tokens[b] == imageTokenId;
    const int64_t imageTokens = isImage.sum().item<int64_t>();
    if (imageTokens == 0 && images[b].count() == 0) continue;
    if (imageTokenId < 0)
      throw std::runtime_error("the image token id is unknown: give it in the load options");
    const at::Tensor embeds = images[b].count() > 0 ? imageEmbeddings(images[b]) : at::Tensor();
    if (!embeds.defined() || embeds.size(0) != imageTokens) {
      throw std::runtime_error(
          "the prompt has " + std::to_string(imageTokens) + " image tokens but the " +
          std::to_string(images[b].count()) + " tiles give " +
          std::to_string(embeds.defined() ? embeds.size(0) : 0) + " embeddings");
    }
    x[b].index_put_({isImage}, embeds);
  }
  if (device.is_cuda()) torch::cuda::synchronize();
  visionMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return x;
}

void InternVLModel::Impl::prefill(const std::vector<std::vector<std::int64_t>>& prompts,
                                  const std::vector<ImageTiles>& images, int newTokens,
                                  int keepLogits) {
  c10::NoGradGuard noGrad;
  cachedIds.clear();  // until the prompt has gone through
  const at::Tensor x = promptEmbeddings(prompts, images);
  const int64_t batch = x.size(0), length = x.size(1);
  const LlmConfig& c = config.llm;
  kv.reset(c.layers, batch, c.kvHeads, c.headDim, cacheCapacity(length, newTokens), cacheOptions(),
           hugePages);
  if (!stepTokens.defined() || stepTokens.size(0) != batch) {
    const auto longs = at::TensorOptions().device(device).dtype(at::kLong);
    stepTokens = at::zeros({batch, 1}, longs);
    stepColumn = at::zeros({1}, longs);
    stepPadding = at::zeros({batch}, longs);
  }
  stepPadding.copy_(at::tensor(padding, at::kLong));
  const int64_t firstKept = length - std::min<int64_t>(std::max(keepLogits, 1), length);
  std::vector<at::Tensor> kept;  // final hidden states of the positions whose logits are kept
  const int64_t chunk = prefillChunk(device);
  for (int64_t begin = 0; begin < length; begin += chunk) {
    const int64_t end = std::min(begin + chunk, length);
    const at::Tensor hidden = decoder(x.narrow(1, begin, end - begin));
    const int64_t from = std::max(begin, firstKept);
    if (from < end) kept.push_back(hidden.narrow(1, from - begin, end - from));
  }
  lastLogits = dense(at::cat(kept, 1), get("l.head"));
  cachedIds = prompts.size() == 1 ? prompts.front() : std::vector<std::int64_t>{};
}

std::vector<float> InternVLModel::attentionMap(const std::vector<std::int64_t>& ids,
                                               const ImageTiles& images, int queries,
                                               int firstLayer, int lastLayer) {
  const LlmConfig& c = impl_->config.llm;
  if (firstLayer < 0 || lastLayer >= c.layers || firstLayer > lastLayer)
    throw std::invalid_argument("layers " + std::to_string(firstLayer) + ":" +
                                std::to_string(lastLayer) + " are not a range of the model's " +
                                std::to_string(c.layers) + " (0:" + std::to_string(c.layers - 1) +
                                ")");
  const auto length = static_cast<int64_t>(ids.size());
  if (queries < 1 || queries > length)
    throw std::invalid_argument("attentionMap needs 1 to " + std::to_string(length) + " queries");
  const int64_t firstQuery = length - queries;
  // The images' tokens all before the queries. A query may itself be the image token's id: an
  // answer can hold it (a random-weight model's did), and decoding embedded it as text, as the
  // queries are here.
  const auto imageTokens =
      static_cast<std::ptrdiff_t>(images.count()) * impl_->config.tokensPerTile();
  if (std::count(ids.begin(), ids.begin() + firstQuery, impl_->imageTokenId) < imageTokens)
    throw std::invalid_argument("attentionMap's query positions must come after the images");
  return translatingDeviceErrors("explaining", [&] {
    c10::NoGradGuard noGrad;
    Impl& m = *impl_;
    // The positions before the queries are in the cache when the model has just answered this
    // sequence (the usual case: explaining the answer it gave); else they are prefilled afresh.
    const bool cached = m.cachedIds.size() >= static_cast<std::size_t>(firstQuery) &&
                        std::equal(ids.begin(), ids.begin() + firstQuery, m.cachedIds.begin());
    m.cachedIds.clear();  // until the cache holds `ids` whole
    if (cached) {
      m.kv.rewind(firstQuery);
    } else {
      m.prefill({std::vector<std::int64_t>(ids.begin(), ids.begin() + firstQuery)}, {images},
                queries, 1);
    }
    const auto floats = at::TensorOptions().device(m.device).dtype(at::kFloat);
    at::Tensor sum = at::zeros({queries, length}, floats);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.headDim));
    const int64_t groups = c.heads / c.kvHeads, chunk = prefillChunk(m.device);
    const at::Tensor tail =
        at::tensor(std::vector<std::int64_t>(ids.begin() + firstQuery, ids.end()), at::kLong)
            .to(m.device)
            .unsqueeze(0);
    for (int64_t begin = 0; begin < queries; begin += chunk) {
      const int64_t rows = std::min(chunk, queries - begin);
      const int64_t position = firstQuery + begin;  // of the chunk's first row
      // Float32 weights of every head over the keys so far, grouped-query heads sharing theirs;
      // row r may look at keys up to its own position.
      const auto observe = [&](int i, const at::Tensor& q, const at::Tensor& keys) {
        if (i < firstLayer || i > lastLayer) return;
        const int64_t seen = keys.size(2);
        const at::Tensor scores =
            at::bmm(q[0].to(at::kFloat).reshape({c.kvHeads, groups * rows, c.headDim}),
                    keys[0].to(at::kFloat).transpose(1, 2))
                .mul_(scale)
                .view({c.heads, rows, seen});
        const at::Tensor future =
            at::arange(seen, floats.dtype(at::kLong)).view({1, seen}) >
            at::arange(position, position + rows, floats.dtype(at::kLong)).view({rows, 1});
        sum.narrow(0, begin, rows)
            .narrow(1, 0, seen)
            .add_(at::softmax(scores.masked_fill(future, -INFINITY), -1).mean(0));
      };
      m.decoder(m.embed(tail.narrow(1, begin, rows)), observe);
    }
    m.cachedIds = ids;
    const at::Tensor mean = (sum / (lastLayer - firstLayer + 1)).to(at::kCPU).contiguous();
    return std::vector<float>(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
  });
}

void InternVLModel::step(std::int64_t token) {
  stepBatch({token});
}

void InternVLModel::stepBatch(const std::vector<std::int64_t>& tokens) {
  translatingDeviceErrors("decoding", [&] {
    c10::NoGradGuard noGrad;
    Impl& m = *impl_;
    if (tokens.size() != m.padding.size())
      throw std::invalid_argument("stepBatch needs one token per sequence");
    std::vector<std::int64_t> cached = std::move(m.cachedIds);
    m.cachedIds.clear();  // until the step has gone through
    if (m.useFixedShapeStep()) {
      m.decodeFixedShape(tokens);
    } else {
      const at::Tensor ids = at::tensor(tokens, at::kLong).to(m.device).unsqueeze(1);
      m.lastLogits = dense(m.decoder(m.embed(ids)), m.get("l.head"));
    }
    if (tokens.size() == 1 && !cached.empty()) {
      cached.push_back(tokens.front());
      m.cachedIds = std::move(cached);
    }
  });
}

std::vector<float> InternVLModel::logits() const {
  const at::Tensor l = impl_->lastLogits.to(at::kCPU, at::kFloat).contiguous();
  return {l.data_ptr<float>(), l.data_ptr<float>() + l.numel()};
}

std::int64_t InternVLModel::sample(TokenSampler& sampler) {
  std::vector<TokenSampler> one{sampler};
  const std::int64_t token = sampleBatch(one).front();
  sampler = one.front();
  return token;
}

std::vector<std::int64_t> InternVLModel::sampleBatch(std::vector<TokenSampler>& samplers) {
  return translatingDeviceErrors("sampling", [&] {
    c10::NoGradGuard noGrad;
    const at::Tensor& l = impl_->lastLogits;
    if (samplers.size() != static_cast<std::size_t>(l.size(0)))
      throw std::invalid_argument("sampleBatch needs one sampler per sequence");
    std::vector<std::int64_t> tokens;
    for (std::size_t b = 0; b < samplers.size(); ++b)
      tokens.push_back(sampleToken(l[static_cast<int64_t>(b)][l.size(1) - 1], samplers[b]));
    return tokens;
  });
}

}  // namespace mspa::inference
