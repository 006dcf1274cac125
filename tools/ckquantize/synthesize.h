// `ckquantize --synthesize`: a llama model of any shape with seeded random weights and the tokenizer of
// an existing GGUF file, for benchmarks and tests that need a model of a given size and no real one.
#pragma once

#include <cstdint>
#include <string>

#include "file_type.h"

namespace ck::quantize {

struct SynthesisOptions {
  std::string vocab_path;  // a GGUF file whose tokenizer.* metadata is copied
  std::string out_path;
  int64_t n_embd = 1024;
  int64_t n_layer = 24;
  int64_t n_head = 16;
  int64_t n_head_kv = 4;
  int64_t n_ff = 2816;
  int64_t n_ctx_train = 4096;
  bool untied_output = false;  // a separate output.weight instead of reusing token_embd
  uint64_t seed = 1;
  FileType file_type;
};

// Throws std::invalid_argument naming the inconsistent shape (heads not dividing the width, ...), GgufError
// when the vocabulary file has no tokenizer.
void synthesize(const SynthesisOptions& options);

}  // namespace ck::quantize
