// The shape of a new llama-family model (what `cktrain init`, `cktrain bench` and `ckquantize
// --synthesize` are told) and the configuration it makes: the architecture's usual settings for
// everything the shape does not say.
#pragma once

#include <cstdint>
#include <string>

#include "ckernel/engine/model.h"

namespace ck {

struct ModelShape {
  std::string architecture = "llama";  // llama (adjacent-pair RoPE) or qwen2 (q/k/v biases, NeoX RoPE)
  int64_t n_embd = 384;
  int64_t n_layer = 6;
  int64_t n_head = 6;
  int64_t n_head_kv = 2;
  int64_t n_ff = 1024;
  int64_t n_ctx = 256;
  double rope_base = 0;  // 0: the architecture's usual theta (llama 10000, qwen2 1000000)
  bool tied = false;     // the output projection reuses token_embd
};

// The configuration of that shape over a vocabulary of n_vocab tokens: head size n_embd / n_head, RoPE on
// the whole head, rms_eps 1e-5. std::invalid_argument naming what does not fit (an unknown architecture,
// a width the heads do not divide, an odd head size), in the option names of the tools that take a shape
// (--arch, --embd, --layers, --heads, --kv-heads, --ffn, --context, --rope-base).
ModelConfig model_config(const ModelShape& shape, int64_t n_vocab, std::string name);

}  // namespace ck
