#include "ckernel/engine/model.h"

#include <algorithm>
#include <string>

#include "ckernel/engine/gguf_writer.h"
#include "ckernel/kernels/type_kernels.h"
#include "model_weights.h"

namespace ck {
namespace {

using kernels::TensorType;
using kernels::WeightMatrix;

constexpr std::string_view kSupportedArchitectures = "llama, qwen2";

std::string shape_text(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

std::string computable_types() {
  std::string s;
  for (uint32_t id = 0; id < 64; ++id)
    if (auto t = kernels::type_traits(id); t && t->computable)
      s += (s.empty() ? "" : ", ") + std::string(t->name);
  return s;
}

// Binds tensors by name, checking presence, shape and type against what the architecture needs.
class TensorBinder {
 public:
  explicit TensorBinder(const GgufFile& file) : file_(file) {}

  const GgufTensorInfo& find(const std::string& name, std::vector<int64_t> expected) const {
    const GgufTensorInfo* t = file_.find_tensor(name);
    if (!t) file_.fail("missing required tensor '" + name + "'");
    std::vector<int64_t> ne = t->ne;
    while (ne.size() > expected.size() && ne.back() == 1) ne.pop_back();
    if (ne != expected)
      file_.fail("tensor '" + name + "' has shape " + shape_text(t->ne) + ", expected " +
                 shape_text(expected));
    if (!kernels::traits(t->type).computable)
      file_.fail("tensor '" + name + "' has type " + std::string(kernels::type_name(t->type)) +
                 ", which ckernel cannot compute (supported: " + computable_types() + ")");
    return *t;
  }

  WeightMatrix matrix(const std::string& name, int64_t cols, int64_t rows) const {
    const GgufTensorInfo& t = find(name, {cols, rows});
    return WeightMatrix{t.data, t.type, rows, cols, kernels::row_bytes(t.type, cols)};
  }

  Vector vector(const std::string& name, int64_t n) const {
    const GgufTensorInfo& t = find(name, {n});
    Vector v(static_cast<size_t>(n));
    kernels::kernels_for(t.type).dequantize_row(t.data, v.data(), n);
    return v;
  }

 private:
  const GgufFile& file_;
};

// Every size of a model (widths, counts, lengths) is from 1 to 2^24. Real models stay far below it (the
// widest feed-forward has ~2^17 rows, the longest trained context ~2^20 tokens), and it keeps every product
// of two sizes far from int64's end. Without it a hostile file passed every check with wrapped values:
// head counts of 2^64 - 4 and 2^64 - 2 with a key_length of 2^64 - 8 are -4, -2 and -8 as int64, whose
// products are the columns its tensors have, and such a model loaded with negative sizes.
constexpr uint64_t kMaxModelSize = uint64_t{1} << 24;

int64_t checked_size(const GgufFile& file, const std::string& key, uint64_t value) {
  if (value == 0 || value > kMaxModelSize)
    file.fail("metadata key '" + key + "' is " + std::to_string(value) + ", not a size from 1 to " +
              std::to_string(kMaxModelSize));
  return static_cast<int64_t>(value);
}

int64_t required_size(const GgufFile& file, const std::string& key) {
  return checked_size(file, key, file.require_uint(key));
}

int64_t optional_size(const GgufFile& file, const std::string& key, int64_t fallback) {
  const std::optional<uint64_t> value = file.get_uint(key);
  return value ? checked_size(file, key, *value) : fallback;
}

// Hyper-parameters from `<arch>.*` keys, with llama.cpp's defaults where a key is optional.
ModelConfig read_config(const GgufFile& file) {
  ModelConfig c;
  c.architecture = std::string(file.require_string("general.architecture"));
  if (c.architecture != "llama" && c.architecture != "qwen2")
    file.fail("architecture '" + c.architecture +
              "' is not supported (supported: " + std::string(kSupportedArchitectures) + ")");
  const std::string a = c.architecture + ".";
  c.name = std::string(file.get_string("general.name").value_or(file.path()));
  c.n_ctx_train = required_size(file, a + "context_length");
  c.n_embd = required_size(file, a + "embedding_length");
  c.n_layer = required_size(file, a + "block_count");
  c.n_ff = required_size(file, a + "feed_forward_length");
  c.n_head = required_size(file, a + "attention.head_count");
  c.n_head_kv = optional_size(file, a + "attention.head_count_kv", c.n_head);
  if (c.n_head % c.n_head_kv != 0)
    file.fail("attention.head_count " + std::to_string(c.n_head) +
              " is not a positive multiple of head_count_kv " + std::to_string(c.n_head_kv));
  c.head_dim = optional_size(file, a + "attention.key_length", c.n_embd / c.n_head);
  if (c.head_dim == 0 || c.head_dim % 2 != 0)
    file.fail("attention head size " + std::to_string(c.head_dim) + " is not even");
  if (static_cast<size_t>(c.n_layer) > file.tensors().size())
    file.fail("block_count " + std::to_string(c.n_layer) + " does not match the " +
              std::to_string(file.tensors().size()) + " tensors in the file");
  c.rms_eps = static_cast<float>(file.get_float(a + "attention.layer_norm_rms_epsilon").value_or(1e-5));

  kernels::RopeParams& r = c.rope;
  r.n_dims = optional_size(file, a + "rope.dimension_count", c.head_dim);
  if (r.n_dims > c.head_dim || r.n_dims % 2 != 0)
    file.fail("rope.dimension_count " + std::to_string(r.n_dims) +
              " must be even and at most the head size " + std::to_string(c.head_dim));
  r.neox = c.architecture == "qwen2";  // llama rotates adjacent pairs, qwen2 the two halves
  r.freq_base = static_cast<float>(file.get_float(a + "rope.freq_base").value_or(10000.0));
  const std::string scaling = std::string(file.get_string(a + "rope.scaling.type").value_or("none"));
  const double factor = file.get_float(a + "rope.scaling.factor").value_or(0.0);
  if (scaling != "none" && scaling != "linear" && scaling != "yarn")
    file.fail("rope.scaling.type '" + scaling + "' is not supported (none, linear, yarn)");
  if (scaling != "none" && factor > 0) r.freq_scale = static_cast<float>(1.0 / factor);
  if (scaling == "yarn") r.ext_factor = 1.0f;
  r.n_ctx_orig = optional_size(file, a + "rope.scaling.original_context_length", c.n_ctx_train);
  return c;
}

}  // namespace

void write_model_config(GgufWriter& w, const ModelConfig& c) {
  const std::string a = c.architecture + ".";
  const auto u32 = [](int64_t v) { return static_cast<uint32_t>(v); };
  w.set("general.architecture", c.architecture);
  w.set("general.name", c.name);
  w.set(a + "vocab_size", u32(c.n_vocab));
  w.set(a + "context_length", u32(c.n_ctx_train));
  w.set(a + "embedding_length", u32(c.n_embd));
  w.set(a + "block_count", u32(c.n_layer));
  w.set(a + "feed_forward_length", u32(c.n_ff));
  w.set(a + "attention.head_count", u32(c.n_head));
  w.set(a + "attention.head_count_kv", u32(c.n_head_kv));
  if (c.head_dim != c.n_embd / c.n_head) {
    w.set(a + "attention.key_length", u32(c.head_dim));
    w.set(a + "attention.value_length", u32(c.head_dim));
  }
  w.set(a + "attention.layer_norm_rms_epsilon", c.rms_eps);
  w.set(a + "rope.dimension_count", u32(c.rope.n_dims));
  w.set(a + "rope.freq_base", c.rope.freq_base);
  if (c.rope.ext_factor != 0) {
    w.set(a + "rope.scaling.type", "yarn");
  } else if (c.rope.freq_scale != 1) {
    w.set(a + "rope.scaling.type", "linear");
  }
  if (c.rope.ext_factor != 0 || c.rope.freq_scale != 1) {
    w.set(a + "rope.scaling.factor", 1.0f / c.rope.freq_scale);
    w.set(a + "rope.scaling.original_context_length", u32(c.rope.n_ctx_orig));
  }
}

void write_tokenizer_of(GgufWriter& w, const GgufFile& source) {
  for (const auto& [key, value] : source.metadata())
    if (key.starts_with("tokenizer.")) w.set(key, GgufWriteValue::copy_of(value));
}

Model::Model(std::unique_ptr<GgufFile> file, ModelConfig config, Tokenizer tokenizer)
    : file_(std::move(file)), config_(std::move(config)), tokenizer_(std::move(tokenizer)) {}

Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path) { return load(map_model_file(path)); }

std::shared_ptr<const Model> Model::load(ModelImage image) {
  std::string placement = image.placement;
  std::unique_ptr<GgufFile> file = GgufFile::open(std::move(image));
  ModelConfig c = read_config(*file);
  Tokenizer tokenizer = Tokenizer::from_gguf(*file);

  const TensorBinder bind(*file);
  const GgufTensorInfo* embd = file->find_tensor("token_embd.weight");
  if (!embd) file->fail("missing required tensor 'token_embd.weight'");
  c.n_vocab = embd->ne.size() >= 2 ? embd->ne[1] : 0;
  if (c.n_vocab != tokenizer.n_vocab())
    file->fail("token_embd.weight has " + std::to_string(c.n_vocab) + " rows but the vocabulary has " +
               std::to_string(tokenizer.n_vocab()) + " tokens");

  auto weights = std::make_unique<ModelWeights>();
  const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  weights->token_embd = bind.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  weights->output_norm = bind.vector("output_norm.weight", c.n_embd);
  c.tied_output = file->find_tensor("output.weight") == nullptr;
  weights->output = c.tied_output ? weights->token_embd : bind.matrix("output.weight", c.n_embd, c.n_vocab);
  weights->layers.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights& l = weights->layers[static_cast<size_t>(i)];
    l.attn_norm = bind.vector(p + "attn_norm.weight", c.n_embd);
    l.wq = bind.matrix(p + "attn_q.weight", c.n_embd, q_dim);
    l.wk = bind.matrix(p + "attn_k.weight", c.n_embd, kv_dim);
    l.wv = bind.matrix(p + "attn_v.weight", c.n_embd, kv_dim);
    l.wo = bind.matrix(p + "attn_output.weight", q_dim, c.n_embd);
    if (c.architecture == "qwen2") {
      l.bq = bind.vector(p + "attn_q.bias", q_dim);
      l.bk = bind.vector(p + "attn_k.bias", kv_dim);
      l.bv = bind.vector(p + "attn_v.bias", kv_dim);
    }
    l.ffn_norm = bind.vector(p + "ffn_norm.weight", c.n_embd);
    l.w_gate = bind.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff);
    l.w_up = bind.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
    l.w_down = bind.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
  }

  std::shared_ptr<Model> model(new Model(std::move(file), std::move(c), std::move(tokenizer)));
  model->weights_ = std::move(weights);
  model->placement_ = std::move(placement);
  return model;
}

size_t Model::weight_bytes() const {
  size_t n = 0;
  for (const GgufTensorInfo& t : file_->tensors()) n += t.n_bytes;
  return n;
}

}  // namespace ck
