// The tensors of a loaded model, bound by role, as the forward pass uses them.
#pragma once

#include <vector>

#include "ckernel/kernels/matmul.h"

namespace ck {

// Norm weights and biases, dequantized to fp32 at load time (they are tiny); empty when absent.
using Vector = std::vector<float>;

struct LayerWeights {
  Vector attn_norm;
  kernels::WeightMatrix wq, wk, wv, wo;
  Vector bq, bk, bv;  // qwen2 only
  Vector ffn_norm;
  kernels::WeightMatrix w_gate, w_up, w_down;
};

struct ModelWeights {
  kernels::WeightMatrix token_embd;  // rows are tokens
  std::vector<LayerWeights> layers;
  Vector output_norm;
  kernels::WeightMatrix output;  // token_embd again when tied
};

}  // namespace ck
