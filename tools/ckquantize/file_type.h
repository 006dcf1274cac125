// What `ckquantize ... TYPE` means: a whole-model file type as llama-quantize names it, and the tensor
// type each weight gets under it. The _M mixtures follow llama.cpp's rules (llama_tensor_get_type): the
// output projection (token_embd when the output is tied) in Q6_K unless the file is Q8_0 or finer, and
// for Q4_K_M / Q5_K_M attn_v and ffn_down in Q6_K in the first and last eighth of the layers and every
// third layer between.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/kernels/tensor_type.h"

namespace ck::quantize {

struct FileType {
  std::string_view name;     // "Q4_K_M"
  uint32_t llama_file_type;  // general.file_type, llama.cpp's llama_ftype numbering
  kernels::TensorType base;  // what most weights get
  bool mixture;              // the _M rules apply
};

// Every type ckquantize writes, in --help order.
const std::vector<FileType>& file_types();
// The type of that name (case-insensitive); nullopt when unknown.
std::optional<FileType> parse_file_type(std::string_view name);

// Whether a tensor holds weights to convert: 2-D or more and not a norm (norms and 1-D tensors stay F32,
// as llama-quantize keeps them).
bool is_quantized_weight(std::string_view name, size_t n_dims);

// The tensor type of weight `name` (row length `row_length`) in a model of `n_layer` layers whose output
// projection is `output.weight`, or token_embd when `tied_output`.
kernels::TensorType choose_tensor_type(const FileType& file_type, std::string_view name, int64_t row_length,
                                       int64_t n_layer, bool tied_output);

}  // namespace ck::quantize
