// `ckquantize --synthesize`: a llama model of any shape with seeded random weights and the tokenizer of
// an existing GGUF file, for benchmarks and tests that need a model of a given size and no real one.
#pragma once

#include <cstdint>
#include <string>

#include "ckernel/engine/model_shape.h"
#include "file_type.h"

namespace ck::quantize {

struct SynthesisOptions {
  std::string vocab_path;  // a GGUF file whose tokenizer.* metadata is copied
  std::string out_path;
  // The engine's shape of a new model (model_shape.h), with ckquantize's defaults: the 0.34B benchmark
  // model's width and depth, tied output (--untied gives a separate output.weight).
  ModelShape shape{.n_embd = 1024, .n_layer = 24, .n_head = 16, .n_head_kv = 4, .n_ff = 2816, .n_ctx = 4096,
                   .tied = true};
  uint64_t seed = 1;
  FileType file_type;
};

// Throws std::invalid_argument naming the inconsistent shape (heads not dividing the width, ...), GgufError
// when the vocabulary file has no tokenizer.
void synthesize(const SynthesisOptions& options);

}  // namespace ck::quantize
