// The shape options of a new model (cktrain init, cktrain bench) and the ModelConfig they make.
#pragma once

#include <cstdint>
#include <string>

#include "ckernel/engine/model.h"
#include "command_line.h"

namespace ck::cktrain {

struct ModelShape {
  std::string architecture = "llama";
  int64_t n_embd = 384;
  int64_t n_layer = 6;
  int64_t n_head = 6;
  int64_t n_head_kv = 2;
  int64_t n_ff = 1024;
  int64_t n_ctx = 256;
  double rope_base = 0;  // 0: the architecture's usual theta (llama 10000, qwen2 1000000)
  bool tied = false;
};

// Adds --arch --embd --layers --heads --kv-heads --ffn --context --rope-base --tied, defaulting to `shape`.
void add_shape_options(po::options_description& options, ModelShape& shape);

// The configuration of that shape over a vocabulary of n_vocab tokens; UsageError naming what does not fit.
ModelConfig config_of(const ModelShape& shape, int64_t n_vocab, const std::string& name);

}  // namespace ck::cktrain
