#include "inference/internvl_model.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/checkpoint.h"
#include "inference/device_errors.h"
#include "inference/json_file.h"
#include "inference/memory_need.h"
#include "inference/torch_options.h"
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

at::Tensor dense(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {}) {
  return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, true) + eps);
  return w * normed.to(x.scalar_type());
}

at::Tensor rotateHalf(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// softmax(q kᵀ / √d + mask) v with key/value heads repeated for grouped-query attention.
// q: [B, H, Lq, D], k/v: [B, Hkv, Lk, D]; `causalOffset` is the position of q's first row.
at::Tensor attention(const at::Tensor& q, at::Tensor k, at::Tensor v, bool causal, int64_t causalOffset) {
  const int64_t groups = q.size(1) / k.size(1);
  if (groups > 1) {
    k = k.repeat_interleave(groups, 1);
    v = v.repeat_interleave(groups, 1);
  }
  at::Tensor scores = at::matmul(q.to(at::kFloat), k.to(at::kFloat).transpose(-1, -2)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (causal && q.size(2) > 1) {
    const int64_t lq = q.size(2), lk = k.size(2);
    const at::Tensor rows = at::arange(lq, scores.options().dtype(at::kLong)).unsqueeze(1) + causalOffset;
    const at::Tensor cols = at::arange(lk, scores.options().dtype(at::kLong)).unsqueeze(0);
    scores = scores.masked_fill(cols > rows, -std::numeric_limits<float>::infinity());
  }
  return at::matmul(at::softmax(scores, -1), v.to(at::kFloat)).to(q.scalar_type());
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

struct InternVLModel::Impl {
  ModelConfig config;
  std::map<std::string, at::Tensor> w;
  std::shared_ptr<const WeightSource> source;  // keeps the tensors used in place mapped
  std::size_t bytesInPlace = 0;
  c10::Device device = at::kCPU;
  c10::ScalarType dtype = at::kFloat;
  std::string dtypeText;
  int imageTokenId = -1;
  std::vector<at::Tensor> keys, values;  // per layer [1, Hkv, T, D]
  int64_t cached = 0;
  double visionMs = 0;

  const at::Tensor& get(const std::string& name) const { return w.at(name); }
  at::Tensor opt(const std::string& name) const {
    const auto it = w.find(name);
    return it == w.end() ? at::Tensor() : it->second;
  }

  at::Tensor pixelValues(const std::uint8_t* tiles, int count) const {
    const int s = config.vision.imageSize;
    const at::Tensor bytes = at::from_blob(const_cast<std::uint8_t*>(tiles), {count, s, s, 3}, at::kByte);
    const at::Tensor mean = at::tensor({0.485f, 0.456f, 0.406f}), stdev = at::tensor({0.229f, 0.224f, 0.225f});
    const at::Tensor x = (bytes.to(at::kFloat) / 255.0f - mean) / stdev;
    return x.permute({0, 3, 1, 2}).contiguous().to(device, dtype);
  }

  at::Tensor visionNorm(const at::Tensor& x, const std::string& name) const {
    const VisionConfig& v = config.vision;
    if (v.rmsNorm) return rmsNorm(x, get(name + ".w"), v.normEps);
    return at::layer_norm(x, {x.size(-1)}, get(name + ".w"), get(name + ".b"), v.normEps);
  }

  at::Tensor visionEncoder(const at::Tensor& pixels) const {
    const VisionConfig& v = config.vision;
    at::Tensor x = at::conv2d(pixels, get("v.patch.w"), get("v.patch.b"), {v.patchSize, v.patchSize});
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
      const auto split = [&](const at::Tensor& t) { return t.view({n, -1, heads, d}).transpose(1, 2); };
      at::Tensor a = attention(split(q), split(k), split(vv), false, 0).transpose(1, 2).reshape({n, -1, v.hidden});
      x = x + get(p + "ls1") * dense(a, get(p + "proj.w"), get(p + "proj.b"));
      const at::Tensor m = dense(at::gelu(dense(visionNorm(x, p + "norm2"), get(p + "fc1.w"), get(p + "fc1.b"))),
                                  get(p + "fc2.w"), get(p + "fc2.b"));
      x = x + get(p + "ls2") * m;
    }
    return x;
  }

  // Drops the class token, pixel-shuffles (ps_version v2) and projects into the LLM's width.
  at::Tensor project(const at::Tensor& encoded) const {
    const double r = config.downsampleRatio;
    at::Tensor x = encoded.narrow(1, 1, encoded.size(1) - 1);
    const int64_t n = x.size(0), side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(x.size(1))))), c = x.size(2);
    x = x.reshape({n, side, side, c});
    x = x.view({n, side, static_cast<int64_t>(side * r), static_cast<int64_t>(c / r)}).permute({0, 2, 1, 3}).contiguous();
    x = x.view({n, static_cast<int64_t>(side * r), static_cast<int64_t>(side * r), static_cast<int64_t>(c / (r * r))});
    x = x.permute({0, 2, 1, 3}).contiguous().reshape({n, -1, static_cast<int64_t>(c / (r * r))});
    x = at::layer_norm(x, {x.size(-1)}, get("p.norm.w"), get("p.norm.b"), 1e-5);
    return dense(at::gelu(dense(x, get("p.fc1.w"), get("p.fc1.b"))), get("p.fc2.w"), get("p.fc2.b"));
  }

  at::Tensor visionEmbeddings(const std::uint8_t* tiles, int count) const {
    return project(visionEncoder(pixelValues(tiles, count))).reshape({-1, config.llm.hidden});
  }

  // cos and sin for positions [start, start + length), with dynamic NTK scaling past the trained
  // length when the config asks for it.
  std::pair<at::Tensor, at::Tensor> rope(int64_t start, int64_t length) const {
    const LlmConfig& c = config.llm;
    const int64_t d = c.headDim, total = start + length;
    double base = c.ropeTheta;
    if (c.ropeScaling == "dynamic" && total > c.maxPositions) {
      base = c.ropeTheta * std::pow(c.ropeFactor * total / c.maxPositions - (c.ropeFactor - 1), static_cast<double>(d) / (d - 2));
    }
    const at::Tensor inv = 1.0 / at::pow(base, at::arange(0, d, 2, at::kDouble) / static_cast<double>(d));
    const at::Tensor positions = at::arange(start, total, at::kDouble);
    const at::Tensor freqs = at::outer(positions, inv);
    const at::Tensor emb = at::cat({freqs, freqs}, -1).to(at::kFloat);
    return {emb.cos().to(device, dtype), emb.sin().to(device, dtype)};
  }

  // Queries [1, H, L, D], keys and values [1, Hkv, L, D]. InternLM2's packed wqkv holds, for
  // each KV head, its query heads, then its key, then its value.
  std::tuple<at::Tensor, at::Tensor, at::Tensor> projectQkv(const at::Tensor& h,
                                                            const std::string& p) const {
    const LlmConfig& c = config.llm;
    const int64_t length = h.size(1);
    const auto heads = [&](const at::Tensor& t, int64_t n) {
      return t.reshape({1, length, n, c.headDim}).transpose(1, 2);
    };
    if (const at::Tensor wqkv = opt(p + "wqkv"); wqkv.defined()) {
      const int64_t groups = c.heads / c.kvHeads;
      const at::Tensor grouped = dense(h, wqkv).view({1, length, c.kvHeads, groups + 2, c.headDim});
      return {heads(grouped.narrow(3, 0, groups), c.heads),
              heads(grouped.select(3, groups), c.kvHeads),
              heads(grouped.select(3, groups + 1), c.kvHeads)};
    }
    return {heads(dense(h, get(p + "q.w"), opt(p + "q.b")), c.heads),
            heads(dense(h, get(p + "k.w"), opt(p + "k.b")), c.kvHeads),
            heads(dense(h, get(p + "v.w"), opt(p + "v.b")), c.kvHeads)};
  }

  at::Tensor decoder(at::Tensor x) {
    const LlmConfig& c = config.llm;
    const int64_t length = x.size(1), start = cached;
    const auto [cos, sin] = rope(start, length);
    for (int i = 0; i < c.layers; ++i) {
      const std::string p = "l." + std::to_string(i) + ".";
      const at::Tensor h = rmsNorm(x, get(p + "attn_norm"), c.normEps);
      auto [q, k, v] = projectQkv(h, p);
      q = q * cos + rotateHalf(q) * sin;
      k = k * cos + rotateHalf(k) * sin;
      keys[i] = keys[i].defined() ? at::cat({keys[i], k}, 2) : k;
      values[i] = values[i].defined() ? at::cat({values[i], v}, 2) : v;
      const at::Tensor a = attention(q, keys[i], values[i], true, start).transpose(1, 2).reshape({1, length, c.heads * c.headDim});
      x = x + dense(a, get(p + "o.w"));
      const at::Tensor g = rmsNorm(x, get(p + "ffn_norm"), c.normEps);
      x = x + dense(at::silu(dense(g, get(p + "gate"))) * dense(g, get(p + "up")), get(p + "down"));
    }
    cached += length;
    return rmsNorm(x, get("l.norm"), c.normEps);
  }

  std::vector<float> prefill(const std::vector<std::int64_t>& ids, const std::uint8_t* tiles, int tileCount, int lastPositions);

  std::vector<float> logitsOf(const at::Tensor& hidden) const {
    const at::Tensor logits = dense(hidden, get("l.head")).to(at::kCPU, at::kFloat).contiguous();
    return {logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel()};
  }
};

InternVLModel::InternVLModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InternVLModel::~InternVLModel() = default;

std::unique_ptr<InternVLModel> InternVLModel::load(const std::string& modelDir, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->config = readModelConfig(modelDir);
  impl->device = parseDevice(options.device);
  impl->dtypeText =
      options.dtype.empty() ? defaultDtype(impl->config, options.device) : options.dtype;
  impl->dtype = parseDType(impl->dtypeText);
  auto source = std::make_shared<const WeightSource>(modelDir, impl->config, options.loraDir);
  if (options.checkMemory)
    requireMemory(describeMemoryNeed(*source, impl->config, options.device, impl->dtypeText),
                  modelDir);
  auto weights = translatingDeviceErrors("loading " + modelDir, [&] {
    return loadCheckpoint(std::move(source), impl->config, impl->device, impl->dtype);
  });
  impl->w = std::move(weights.tensors);
  impl->source = std::move(weights.source);
  impl->bytesInPlace = weights.bytesInPlace;
  impl->imageTokenId = options.imageTokenId >= 0 ? options.imageTokenId
                       : impl->config.imageTokenId >= 0 ? impl->config.imageTokenId
                                                         : imageTokenFromTokenizer(modelDir);
  impl->keys.resize(impl->config.llm.layers);
  impl->values.resize(impl->config.llm.layers);
  return std::unique_ptr<InternVLModel>(new InternVLModel(std::move(impl)));
}

const ModelConfig& InternVLModel::config() const { return impl_->config; }
int InternVLModel::imageTokenId() const { return impl_->imageTokenId; }
std::string InternVLModel::device() const { return impl_->device.str(); }
std::string InternVLModel::dtype() const {
  return impl_->dtypeText;
}
std::size_t InternVLModel::weightBytes() const {
  std::size_t bytes = 0;
  for (const auto& [name, tensor] : impl_->w) bytes += tensor.numel() * tensor.element_size();
  return bytes;
}
std::size_t InternVLModel::weightBytesInPlace() const {
  return impl_->bytesInPlace;
}
int InternVLModel::cachedPositions() const { return static_cast<int>(impl_->cached); }
double InternVLModel::lastVisionMilliseconds() const { return impl_->visionMs; }

std::vector<float> InternVLModel::visionEmbeddings(const std::uint8_t* tiles, int count) {
  at::NoGradGuard noGrad;
  const at::Tensor e = impl_->visionEmbeddings(tiles, count).to(at::kCPU, at::kFloat).contiguous();
  return {e.data_ptr<float>(), e.data_ptr<float>() + e.numel()};
}

std::vector<float> InternVLModel::prefill(const std::vector<std::int64_t>& ids, const std::uint8_t* tiles, int tileCount,
                                          int lastPositions) {
  for (const auto id : ids) {
    if (id < 0 || id >= impl_->config.llm.vocab) {
      throw std::runtime_error("token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                               std::to_string(impl_->config.llm.vocab) + " (tokenizer and weights do not match)");
    }
  }
  return translatingDeviceErrors("prefill of " + std::to_string(ids.size()) + " tokens and " + std::to_string(tileCount) + " tiles",
                                 [&] { return impl_->prefill(ids, tiles, tileCount, lastPositions); });
}

std::vector<float> InternVLModel::Impl::prefill(const std::vector<std::int64_t>& ids, const std::uint8_t* tiles, int tileCount,
                                                int lastPositions) {
  at::NoGradGuard noGrad;
  Impl& m = *this;
  for (auto& t : m.keys) t = at::Tensor();
  for (auto& t : m.values) t = at::Tensor();
  m.cached = 0;
  m.visionMs = 0;
  const at::Tensor tokens = at::tensor(ids, at::kLong).to(m.device);
  at::Tensor x = at::embedding(m.get("l.embed"), tokens);  // [L, hidden]
  const at::Tensor isImage = tokens == m.imageTokenId;
  const int64_t imageTokens = isImage.sum().item<int64_t>();
  if (imageTokens > 0 || tileCount > 0) {
    if (m.imageTokenId < 0) throw std::runtime_error("the image token id is unknown: give it in the load options");
    const auto start = std::chrono::steady_clock::now();
    const at::Tensor embeds = tileCount > 0 ? m.visionEmbeddings(tiles, tileCount) : at::Tensor();
    if (m.device.is_cuda()) torch::cuda::synchronize();
    m.visionMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!embeds.defined() || embeds.size(0) != imageTokens) {
      throw std::runtime_error("the prompt has " + std::to_string(imageTokens) + " image tokens but the " + std::to_string(tileCount) +
                               " tiles give " + std::to_string(embeds.defined() ? embeds.size(0) : 0) + " embeddings");
    }
    x.index_put_({isImage}, embeds.to(x.scalar_type()));
  }
  const at::Tensor hidden = m.decoder(x.unsqueeze(0));
  const int64_t last = std::min<int64_t>(lastPositions, hidden.size(1));
  return m.logitsOf(hidden.narrow(1, hidden.size(1) - last, last));
}

std::vector<float> InternVLModel::step(std::int64_t token) {
  return translatingDeviceErrors("decoding", [&] {
    at::NoGradGuard noGrad;
    Impl& m = *impl_;
    const at::Tensor x = at::embedding(m.get("l.embed"), at::tensor({token}, at::kLong).to(m.device)).unsqueeze(0);
    return m.logitsOf(m.decoder(x));
  });
}

}  // namespace mspa::inference
