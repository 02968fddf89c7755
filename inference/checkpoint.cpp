#include "inference/checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>

#include "inference/huge_page_tensors.h"
#include "inference/products.h"
#include "inference/weight_source.h"

namespace mspa::inference {
namespace {

c10::ScalarType torchType(DType d) {
  switch (d) {
    case DType::F64:
      return at::kDouble;
    case DType::F32:
      return at::kFloat;
    case DType::F16:
      return at::kHalf;
    case DType::BF16:
      return at::kBFloat16;
    case DType::I64:
      return at::kLong;
    case DType::I32:
      return at::kInt;
    case DType::I16:
      return at::kShort;
    case DType::I8:
      return at::kChar;
    case DType::U8:
      return at::kByte;
    case DType::Bool:
      return at::kBool;
  }
  return at::kFloat;
}

// A view of the mapped bytes; the source must outlive it.
at::Tensor mapped(const StoredTensor& t) {
  return at::from_blob(const_cast<std::uint8_t*>(t.file->data(*t.info)), t.info->shape,
                       at::TensorOptions().dtype(torchType(t.info->dtype)));
}

bool aligned(const StoredTensor& t) {
  return reinterpret_cast<std::uintptr_t>(t.file->data(*t.info)) % dtypeSize(t.info->dtype) == 0;
}

// W + scale · B·A accumulated in float32 on `device`, stored in `dtype`.
at::Tensor merge(const at::Tensor& weight, const LoraUpdate& u, c10::Device device,
                 c10::ScalarType dtype) {
  at::Tensor delta =
      at::matmul(mapped(u.b).to(device, at::kFloat), mapped(u.a).to(device, at::kFloat))
          .mul_(u.scale);
  if (u.fanInFanOut) delta = delta.t();
  return weight.to(device, at::kFloat, false, true)
      .add_(delta)
      .to(dtype);  // a copy: the weight may be mapped
}

// Where the loader's tensors come from, by checkpoint name (original or Hugging Face layout).
class TensorProvider {
 public:
  virtual ~TensorProvider() = default;
  virtual bool has(const std::string& name) const = 0;
  // The tensor `name` as the model needs it; the loader checks the shape.
  virtual at::Tensor take(const std::string& name, const std::vector<int64_t>& shape) = 0;
  // The loader copied the tensor `name` it took into another layout and dropped what it took.
  virtual void copied(const std::string& /*name*/) {}
  // The memory maps that tensors used in place point into.
  virtual std::vector<MemoryRange> mappings() const { return {}; }
};

// Checkpoint tensors by their plain names, converted on demand, each used once.
class TensorSource : public TensorProvider {
 public:
  TensorSource(std::shared_ptr<const WeightSource> source, c10::Device device,
               c10::ScalarType dtype)
      : source_(std::move(source)), device_(device), dtype_(dtype) {}

  bool has(const std::string& name) const override { return source_->find(name) != nullptr; }

  at::Tensor take(const std::string& name, const std::vector<int64_t>&) override {
    const StoredTensor* stored = source_->find(name);
    if (!stored) throw std::runtime_error("checkpoint has no tensor '" + name + "'");
    used_.insert(name);
    const at::Tensor view = mapped(*stored);
    const auto lora = source_->lora().find(name);
    if (lora == source_->lora().end() && device_.is_cpu() && view.scalar_type() == dtype_ &&
        aligned(*stored)) {
      bytesInPlace_ += view.nbytes();
      inPlace_.insert(name);
      files_.insert(stored->file);
      return view;
    }
    at::Tensor out = lora == source_->lora().end() ? view.to(device_, dtype_, false, true)
                                                   : merge(view, lora->second, device_, dtype_);
    stored->file->release(*stored->info);
    return out;
  }

  // A tensor used in place and then copied gives its pages back, as a converted one does.
  void copied(const std::string& name) override {
    if (!inPlace_.erase(name)) return;
    const StoredTensor* stored = source_->find(name);
    bytesInPlace_ -= mapped(*stored).nbytes();
    stored->file->release(*stored->info);
  }

  std::size_t bytesInPlace() const { return bytesInPlace_; }

  std::vector<MemoryRange> mappings() const override {
    std::vector<MemoryRange> out;
    for (const SafetensorsFile* file : files_)
      out.push_back({file->mapping(), file->mappingSize()});
    return out;
  }

  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : source_->tensors()) {
      if (!used_.count(name)) out.push_back(name);
    }
    return out;
  }

 private:
  std::shared_ptr<const WeightSource> source_;
  c10::Device device_;
  c10::ScalarType dtype_;
  std::set<std::string> used_, inPlace_;
  std::set<const SafetensorsFile*> files_;  // of the tensors used in place
  std::size_t bytesInPlace_ = 0;
};

// Tensors of the shapes the config asks for with random values (norm weights 1, everything else
// uniform in ±0.02): the full-size model for speed measurements without its files. On the meta
// device nothing is allocated, which gives the bytes such a model takes. The same values each
// time (LibTorch seeds its generators at random), so that reruns of a measurement decode the same
// tokens.
class RandomTensors : public TensorProvider {
 public:
  RandomTensors(const ModelConfig& config, c10::Device device, c10::ScalarType dtype)
      : tiedHead_(config.llm.tiedEmbeddings),
        options_(at::TensorOptions().device(device).dtype(dtype)) {
    at::manual_seed(0);
  }

  bool has(const std::string& name) const override {
    return !(tiedHead_ &&
             (name == "language_model.lm_head.weight" || name == "language_model.output.weight"));
  }

  at::Tensor take(const std::string& name, const std::vector<int64_t>& shape) override {
    at::Tensor t = at::empty(shape, options_);
    if (options_.device().is_meta()) return t;
    const bool normWeight =
        shape.size() == 1 && name.size() > 6 && name.compare(name.size() - 6, 6, "weight") == 0;
    return normWeight ? t.fill_(1) : t.uniform_(-0.02, 0.02);
  }

 private:
  bool tiedHead_;
  at::TensorOptions options_;
};

// Sorted, with overlapping or touching ranges made one.
std::vector<MemoryRange> joined(std::vector<MemoryRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const MemoryRange& a, const MemoryRange& b) { return a.begin < b.begin; });
  std::vector<MemoryRange> out;
  for (const MemoryRange& r : ranges) {
    if (r.size == 0) continue;
    if (out.empty() || out.back().end() < r.begin) {
      out.push_back(r);
      continue;
    }
    const char* end = std::max(out.back().end(), r.end());
    out.back().size = static_cast<std::size_t>(end - static_cast<const char*>(out.back().begin));
  }
  return out;
}

const MemoryRange* holding(const std::vector<MemoryRange>& ranges, const at::Tensor& t) {
  const auto* begin = static_cast<const char*>(t.data_ptr());
  for (const MemoryRange& r : ranges) {
    if (r.begin <= begin && begin + t.nbytes() <= r.end()) return &r;
  }
  return nullptr;
}

// Collects canonical tensors, checking shapes against the config.
class Loader {
 public:
  // `cpu`: the weights are for the CPU, whose MLPs take fc2 in column blocks and whose decode
  // steps stream the language model's matrices, from huge pages where `hugePages` asks for them.
  Loader(TensorProvider& source, const ModelConfig& config, bool cpu, bool hugePages)
      : source_(source), config_(config), cpu_(cpu), hugePages_(cpu && hugePages) {}

  void map(const std::string& canonical, const std::string& name, std::vector<int64_t> shape) {
    at::Tensor t = source_.take(name, shape);
    if (t.sizes().vec() != shape) {
      std::string expected, got;
      for (auto d : shape) expected += std::to_string(d) + " ";
      for (auto d : t.sizes()) got += std::to_string(d) + " ";
      throw std::runtime_error("tensor " + name + " has shape [ " + got +
                               "] but the config needs [ " + expected + "]");
    }
    out_[canonical] = std::move(t);
  }
  void mapOptional(const std::string& canonical, const std::string& name,
                   std::vector<int64_t> shape) {
    if (source_.has(name)) map(canonical, name, std::move(shape));
  }
  // fc2's weight [out, hidden] of an MLP; on the CPU as `canonical`.blocks (columnBlocks in
  // products.h) instead, which the MLPs there multiply block by block.
  void mapFc2(const std::string& canonical, const std::string& name, std::vector<int64_t> shape) {
    map(canonical, name, shape);
    if (!cpu_) return;
    const at::Tensor w = out_.extract(canonical).mapped();
    const int64_t width = hiddenBlockWidth(shape[1]);
    at::Tensor blocks = w;
    if (width < shape[1]) {
      blocks = columnBlocks(w, width,
                            streamedAtDecode(canonical, w) ? inHugePagesOfItsOwn(w) : at::Tensor());
      source_.copied(name);
    }
    out_[canonical + ".blocks"] = blocks;
  }
  // On the CPU the matrices a decode step streams (the language model's, its embeddings only as a
  // tied head) are read from huge pages where the kernel offers them (huge_pages.h says why): those
  // used in place from the map where they are, the others (converted) moved into an arena. Without
  // `hugePages` the map is kept out of them instead, for comparisons.
  void placeStreamedMatrices() {
    if (!cpu_) return;
    const std::vector<MemoryRange> maps = source_.mappings();
    if (!hugePages_) {
      for (const MemoryRange& map : maps) keepOutOfHugePages(map);
      return;
    }
    std::vector<MemoryRange> blocks;
    std::vector<std::string> moving;
    std::size_t movingBytes = 0;
    std::set<const void*> seen;  // a tied head and its embeddings count once
    for (const auto& [name, t] : out_) {
      if (!streamedAtDecode(name, t) || holding(inHugePages_, t)) continue;
      const bool first = seen.insert(t.data_ptr()).second;
      if (const MemoryRange* map = holding(maps, t)) {
        if (first) blocks.push_back(hugeBlocksOf({t.data_ptr(), t.nbytes()}, *map));
        continue;
      }
      moving.push_back(name);
      if (first) movingBytes += HugePageArena::paddedSize(t.nbytes());
    }
    for (const MemoryRange& run : joined(std::move(blocks))) {
      makeHugeInPlace(run);
      inHugePages_.push_back(run);
    }
    moveIntoArena(moving, movingBytes);
  }
  // Where the streamed matrices are read from huge pages: arenas and blocks of the map.
  const std::vector<MemoryRange>& inHugePages() const { return inHugePages_; }
  std::map<std::string, at::Tensor>& result() { return out_; }
  TensorProvider& source() { return source_; }
  const ModelConfig& config() const { return config_; }

 private:
  // An uninitialised tensor shaped as `like` in huge pages of its own, where they are asked for and
  // offered (else undefined).
  at::Tensor inHugePagesOfItsOwn(const at::Tensor& like) {
    const auto arena = hugePages_ ? HugePageArena::create(like.nbytes()) : nullptr;
    if (!arena) return {};
    at::Tensor t = tensorIn(arena, like.sizes(), like.options());
    inHugePages_.push_back(arena->taken());
    return t;
  }

  void moveIntoArena(const std::vector<std::string>& names, std::size_t bytes) {
    const auto arena = HugePageArena::create(bytes);
    if (!arena) return;
    std::map<const void*, at::Tensor> moved;  // a tied head and its embeddings move once
    for (const auto& name : names) {
      at::Tensor& t = out_[name];
      auto [it, first] = moved.try_emplace(t.data_ptr());
      if (first) it->second = tensorIn(arena, t.sizes(), t.options()).copy_(t);
      t = it->second;
    }
    inHugePages_.push_back(arena->taken());
  }

  bool streamedAtDecode(const std::string& name, const at::Tensor& t) const {
    if (name.rfind("l.", 0) != 0 || t.dim() != 2) return false;
    if (name != "l.embed") return true;
    const auto head = out_.find("l.head");
    return head != out_.end() && head->second.data_ptr() == t.data_ptr();
  }

  TensorProvider& source_;
  const ModelConfig& config_;
  bool cpu_, hugePages_;
  std::map<std::string, at::Tensor> out_;
  std::vector<MemoryRange> inHugePages_;
};

void loadVision(Loader& l, bool hf) {
  const VisionConfig& v = l.config().vision;
  const int64_t c = v.hidden, grid = v.imageSize / v.patchSize;
  const std::string e = hf ? "vision_tower.embeddings." : "vision_model.embeddings.";
  l.map("v.patch.w", e + (hf ? "patch_embeddings.projection.weight" : "patch_embedding.weight"),
        {c, 3, v.patchSize, v.patchSize});
  l.map("v.patch.b", e + (hf ? "patch_embeddings.projection.bias" : "patch_embedding.bias"), {c});
  l.map("v.cls", e + (hf ? "cls_token" : "class_embedding"), {1, 1, c});
  l.map("v.pos", e + (hf ? "position_embeddings" : "position_embedding"), {1, grid * grid + 1, c});
  for (int i = 0; i < v.layers; ++i) {
    const std::string in = (hf ? "vision_tower.encoder.layer." : "vision_model.encoder.layers.") +
                           std::to_string(i) + ".";
    const std::string out = "v." + std::to_string(i) + ".";
    const std::string norm1 = hf ? "layernorm_before" : "norm1",
                      norm2 = hf ? "layernorm_after" : "norm2";
    l.map(out + "norm1.w", in + norm1 + ".weight", {c});
    l.map(out + "norm2.w", in + norm2 + ".weight", {c});
    if (!v.rmsNorm) {
      l.map(out + "norm1.b", in + norm1 + ".bias", {c});
      l.map(out + "norm2.b", in + norm2 + ".bias", {c});
    }
    if (hf) {
      for (const char* p : {"q", "k", "v"}) {
        l.map(out + p + ".w", in + "attention." + p + "_proj.weight", {c, c});
        if (v.qkvBias) l.map(out + p + ".b", in + "attention." + p + "_proj.bias", {c});
      }
      l.map(out + "proj.w", in + "attention.projection_layer.weight", {c, c});
      l.map(out + "proj.b", in + "attention.projection_layer.bias", {c});
      l.map(out + "ls1", in + "lambda_1", {c});
      l.map(out + "ls2", in + "lambda_2", {c});
    } else {
      l.map(out + "qkv.w", in + "attn.qkv.weight", {3 * c, c});
      if (v.qkvBias) l.map(out + "qkv.b", in + "attn.qkv.bias", {3 * c});
      l.map(out + "proj.w", in + "attn.proj.weight", {c, c});
      l.map(out + "proj.b", in + "attn.proj.bias", {c});
      l.map(out + "ls1", in + "ls1", {c});
      l.map(out + "ls2", in + "ls2", {c});
    }
    if (v.qkNorm) {
      l.map(out + "qnorm.w", in + (hf ? "attention.q_norm.weight" : "attn.q_norm.weight"), {c});
      l.map(out + "knorm.w", in + (hf ? "attention.k_norm.weight" : "attn.k_norm.weight"), {c});
    }
    l.map(out + "fc1.w", in + "mlp.fc1.weight", {v.intermediate, c});
    l.map(out + "fc1.b", in + "mlp.fc1.bias", {v.intermediate});
    l.mapFc2(out + "fc2.w", in + "mlp.fc2.weight", {c, v.intermediate});
    l.map(out + "fc2.b", in + "mlp.fc2.bias", {c});
  }
}

void loadProjector(Loader& l, bool hf) {
  const ModelConfig& cfg = l.config();
  const int64_t in = static_cast<int64_t>(cfg.vision.hidden /
                                          (cfg.downsampleRatio * cfg.downsampleRatio)),
                out = cfg.llm.hidden;
  const std::string p = hf ? "multi_modal_projector." : "mlp1.";
  l.map("p.norm.w", p + (hf ? "layer_norm.weight" : "0.weight"), {in});
  l.map("p.norm.b", p + (hf ? "layer_norm.bias" : "0.bias"), {in});
  l.map("p.fc1.w", p + (hf ? "linear_1.weight" : "1.weight"), {out, in});
  l.map("p.fc1.b", p + (hf ? "linear_1.bias" : "1.bias"), {out});
  l.map("p.fc2.w", p + (hf ? "linear_2.weight" : "3.weight"), {out, out});
  l.map("p.fc2.b", p + (hf ? "linear_2.bias" : "3.bias"), {out});
}

void loadLanguageModel(Loader& l) {
  const LlmConfig& c = l.config().llm;
  const int64_t h = c.hidden, d = c.headDim, q = c.heads * d, kv = c.kvHeads * d;
  const std::string m = "language_model.model.";
  const bool packed = c.kind == LlmKind::InternLM2;
  l.map("l.embed", m + (packed ? "tok_embeddings.weight" : "embed_tokens.weight"), {c.vocab, h});
  for (int i = 0; i < c.layers; ++i) {
    const std::string in = m + "layers." + std::to_string(i) + ".",
                      out = "l." + std::to_string(i) + ".";
    if (packed) {
      // For each KV head: its query heads, then its key, then its value (split after the product).
      l.map(out + "wqkv", in + "attention.wqkv.weight", {q + 2 * kv, h});
      l.map(out + "o.w", in + "attention.wo.weight", {h, q});
      l.map(out + "attn_norm", in + "attention_norm.weight", {h});
      l.map(out + "ffn_norm", in + "ffn_norm.weight", {h});
      l.map(out + "gate", in + "feed_forward.w1.weight", {c.intermediate, h});
      l.map(out + "up", in + "feed_forward.w3.weight", {c.intermediate, h});
      l.mapFc2(out + "down", in + "feed_forward.w2.weight", {h, c.intermediate});
    } else {
      l.map(out + "q.w", in + "self_attn.q_proj.weight", {q, h});
      l.map(out + "k.w", in + "self_attn.k_proj.weight", {kv, h});
      l.map(out + "v.w", in + "self_attn.v_proj.weight", {kv, h});
      if (c.qkvBias) {
        l.map(out + "q.b", in + "self_attn.q_proj.bias", {q});
        l.map(out + "k.b", in + "self_attn.k_proj.bias", {kv});
        l.map(out + "v.b", in + "self_attn.v_proj.bias", {kv});
      }
      l.map(out + "o.w", in + "self_attn.o_proj.weight", {h, q});
      l.map(out + "attn_norm", in + "input_layernorm.weight", {h});
      l.map(out + "ffn_norm", in + "post_attention_layernorm.weight", {h});
      l.map(out + "gate", in + "mlp.gate_proj.weight", {c.intermediate, h});
      l.map(out + "up", in + "mlp.up_proj.weight", {c.intermediate, h});
      l.mapFc2(out + "down", in + "mlp.down_proj.weight", {h, c.intermediate});
    }
  }
  l.map("l.norm", m + "norm.weight", {h});
  const std::string head =
      packed ? "language_model.output.weight" : "language_model.lm_head.weight";
  if (l.source().has(head)) {
    l.map("l.head", head, {c.vocab, h});
  } else if (c.tiedEmbeddings) {
    l.result()["l.head"] = l.result()["l.embed"];
  } else {
    throw std::runtime_error("checkpoint has no tensor '" + head +
                             "' and the embeddings are not tied");
  }
}

void loadModel(Loader& loader) {
  const bool hf = loader.config().layout == CheckpointLayout::HuggingFace;
  loadVision(loader, hf);
  loadProjector(loader, hf);
  loadLanguageModel(loader);
}

}  // namespace

LoadedWeights loadCheckpoint(std::shared_ptr<const WeightSource> weights, const ModelConfig& config,
                             c10::Device device, c10::ScalarType dtype, bool hugePages) {
  const std::string modelDir = weights->modelDir();
  TensorSource source(weights, device, dtype);
  Loader loader(source, config, device.is_cpu(), hugePages);
  try {
    loadModel(loader);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(modelDir + ": " + e.what());
  }
  const auto unused = source.unused();
  if (!unused.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", " : "") + unused[i];
    throw std::runtime_error(modelDir + ": " + std::to_string(unused.size()) +
                             " tensors are not part of the model (" + list +
                             (unused.size() > 5 ? ", ..." : "") + "): unsupported architecture?");
  }
  loader.placeStreamedMatrices();
  return {std::move(loader.result()), std::move(weights), source.bytesInPlace(),
          loader.inHugePages()};
}

LoadedWeights randomWeights(const ModelConfig& config, c10::Device device, c10::ScalarType dtype,
                            bool hugePages) {
  RandomTensors source(config, device, dtype);
  Loader loader(source, config, device.is_cpu(), hugePages);
  loadModel(loader);
  loader.placeStreamedMatrices();
  return {std::move(loader.result()), nullptr, 0, loader.inHugePages()};
}

std::size_t randomWeightBytes(const ModelConfig& config, c10::ScalarType dtype) {
  std::size_t bytes = 0;
  for (const auto& [name, t] : randomWeights(config, at::kMeta, dtype, false).tensors)
    bytes += t.nbytes();
  return bytes;
}

at::Tensor mergedTensor(const WeightSource& source, const std::string& name) {
  const StoredTensor* stored = source.find(name);
  if (!stored)
    throw std::runtime_error(source.modelDir() + ": checkpoint has no tensor '" + name + "'");
  const at::Tensor view = mapped(*stored);
  const auto lora = source.lora().find(name);
  return lora == source.lora().end() ? view
                                     : merge(view, lora->second, at::kCPU, view.scalar_type());
}

}  // namespace mspa::inference
