#include "ckernel/engine/train/parameters.h"

#include <cmath>

#include "ckernel/engine/train/random.h"
#include "ckernel/kernels/tensor_type.h"
#include "ckernel/kernels/type_kernels.h"

namespace ck::train {

ParameterLayout::ParameterLayout(const ModelConfig& c) {
  const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  const bool biases = c.architecture == "qwen2";
  token_embd_ = add("token_embd.weight", c.n_vocab, c.n_embd, true);
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerTensors l{};
    l.attn_norm = add(p + "attn_norm.weight", 1, c.n_embd, false);
    l.wq = add(p + "attn_q.weight", q_dim, c.n_embd, true);
    l.wk = add(p + "attn_k.weight", kv_dim, c.n_embd, true);
    l.wv = add(p + "attn_v.weight", kv_dim, c.n_embd, true);
    l.bq = biases ? add(p + "attn_q.bias", 1, q_dim, false) : -1;
    l.bk = biases ? add(p + "attn_k.bias", 1, kv_dim, false) : -1;
    l.bv = biases ? add(p + "attn_v.bias", 1, kv_dim, false) : -1;
    l.wo = add(p + "attn_output.weight", c.n_embd, q_dim, true);
    l.ffn_norm = add(p + "ffn_norm.weight", 1, c.n_embd, false);
    l.w_gate = add(p + "ffn_gate.weight", c.n_ff, c.n_embd, true);
    l.w_up = add(p + "ffn_up.weight", c.n_ff, c.n_embd, true);
    l.w_down = add(p + "ffn_down.weight", c.n_embd, c.n_ff, true);
    layers_.push_back(l);
  }
  output_norm_ = add("output_norm.weight", 1, c.n_embd, false);
  output_ = c.tied_output ? token_embd_ : add("output.weight", c.n_vocab, c.n_embd, true);
}

int ParameterLayout::add(std::string name, int64_t rows, int64_t cols, bool matrix) {
  // Each tensor starts on a 64-byte boundary, so that vector loops over one tensor start aligned.
  constexpr size_t kAlignFloats = 16;
  total_ = (total_ + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  tensors_.push_back(ParameterTensor{std::move(name), rows, cols, total_, matrix});
  total_ += static_cast<size_t>(rows * cols);
  return static_cast<int>(tensors_.size() - 1);
}

const ParameterTensor& ParameterLayout::find(const std::string& name) const {
  for (const ParameterTensor& t : tensors_)
    if (t.name == name) return t;
  throw TrainError("the model has no parameter '" + name + "'");
}

void check_trainable(const ModelConfig& c) {
  if (c.architecture != "llama" && c.architecture != "qwen2")
    throw TrainError("architecture '" + c.architecture + "' cannot be trained (llama, qwen2 can)");
  if (c.rope.ext_factor != 0)
    throw TrainError("YaRN RoPE scaling is not supported for training (none and linear are)");
  if (c.n_vocab <= 0 || c.n_embd <= 0 || c.n_layer <= 0 || c.n_ff <= 0 || c.n_head <= 0 || c.n_head_kv <= 0 ||
      c.head_dim <= 0 || c.n_head % c.n_head_kv != 0)
    throw TrainError("the model's shape is not a valid llama shape");
  if (c.rope.n_dims <= 0 || c.rope.n_dims > c.head_dim || c.rope.n_dims % 2 != 0)
    throw TrainError("rope.dimension_count " + std::to_string(c.rope.n_dims) +
                     " must be even and at most the head size " + std::to_string(c.head_dim));
}

void initialize_parameters(const ParameterLayout& layout, uint64_t seed, ParameterBuffer& values) {
  const auto& tensors = layout.tensors();
  int64_t n_layer = static_cast<int64_t>(layout.layers().size());
  const double residual_scale = 1.0 / std::sqrt(2.0 * static_cast<double>(n_layer));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const ParameterTensor& t = tensors[i];
    std::span<float> v = values.tensor(t);
    const bool is_norm = t.name.ends_with("norm.weight");
    const bool is_bias = t.name.ends_with(".bias");
    if (is_norm || is_bias) {
      std::fill(v.begin(), v.end(), is_norm ? 1.0f : 0.0f);
      continue;
    }
    const bool residual_output = t.name.ends_with("attn_output.weight") || t.name.ends_with("ffn_down.weight");
    const double stddev = 0.02 * (residual_output ? residual_scale : 1.0);
    SplitMix64 rng(derive_seed(seed, i));
    for (float& x : v) x = static_cast<float>(stddev * rng.normal());
  }
}

ParameterBuffer parameters_from_model(const Model& model, const ParameterLayout& layout) {
  ParameterBuffer values(layout.total());
  const GgufFile& file = model.file();
  for (const ParameterTensor& t : layout.tensors()) {
    const GgufTensorInfo* info = file.find_tensor(t.name);
    if (info == nullptr) throw TrainError(file.path() + ": missing tensor '" + t.name + "'");
    using kernels::TensorType;
    if (info->type != TensorType::f32 && info->type != TensorType::f16 && info->type != TensorType::bf16)
      throw TrainError(file.path() + ": tensor '" + t.name + "' is " +
                       std::string(kernels::type_name(info->type)) +
                       "; training needs unquantized weights (F32, F16 or BF16): train from the F32/F16 model "
                       "and quantize the result with ckquantize");
    if (info->n_elements() != t.size())
      throw TrainError(file.path() + ": tensor '" + t.name + "' has " + std::to_string(info->n_elements()) +
                       " elements, expected " + std::to_string(t.size()));
    const auto dequantize_row = kernels::kernels_for(info->type).dequantize_row;
    const size_t row_bytes = kernels::row_bytes(info->type, t.cols);
    float* out = values.tensor(t).data();
    for (int64_t r = 0; r < t.rows; ++r)
      dequantize_row(static_cast<const std::byte*>(info->data) + static_cast<size_t>(r) * row_bytes,
                     out + r * t.cols, t.cols);
  }
  return values;
}

}  // namespace ck::train
