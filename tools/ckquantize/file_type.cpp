#include "file_type.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ck::quantize {

using kernels::TensorType;

const std::vector<FileType>& file_types() {
  static const std::vector<FileType> types = {
      {"F16", 1, TensorType::f16, false},     {"BF16", 32, TensorType::bf16, false},
      {"Q8_0", 7, TensorType::q8_0, false},   {"Q6_K", 18, TensorType::q6_k, false},
      {"Q5_K_M", 17, TensorType::q5_k, true}, {"Q5_1", 9, TensorType::q5_1, false},
      {"Q5_0", 8, TensorType::q5_0, false},   {"Q4_K_M", 15, TensorType::q4_k, true},
      {"Q4_0", 2, TensorType::q4_0, false},
  };
  return types;
}

std::optional<FileType> parse_file_type(std::string_view name) {
  for (const FileType& t : file_types())
    if (std::equal(name.begin(), name.end(), t.name.begin(), t.name.end(),
                   [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; }))
      return t;
  return std::nullopt;
}

bool is_quantized_weight(std::string_view name, size_t n_dims) {
  return n_dims >= 2 && name.ends_with(".weight") && !name.ends_with("_norm.weight");
}

namespace {

bool is_quantized(TensorType t) {
  return t != TensorType::f16 && t != TensorType::bf16 && t != TensorType::f32;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer between.
bool uses_more_bits(int64_t layer, int64_t n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// "blk.12.attn_v.weight" -> 12.
int64_t layer_of(std::string_view name) {
  int64_t layer = 0;
  const size_t start = name.find('.') + 1;
  std::from_chars(name.data() + start, name.data() + name.size(), layer);
  return layer;
}

// Rows a type's blocks cannot tile fall back to a type with 32-element blocks, as llama-quantize does.
TensorType fitting(TensorType type, int64_t row_length) {
  if (row_length % kernels::traits(type).block_size == 0) return type;
  switch (type) {
    case TensorType::q4_k:
      return TensorType::q5_0;
    case TensorType::q5_k:
      return TensorType::q5_1;
    case TensorType::q6_k:
      return TensorType::q8_0;
    default:
      return TensorType::f16;
  }
}

}  // namespace

TensorType choose_tensor_type(const FileType& file_type, std::string_view name, int64_t row_length,
                              int64_t n_layer, bool tied_output) {
  TensorType type = file_type.base;
  if (!is_quantized(type)) return type;
  const bool is_output = name == "output.weight" || (tied_output && name == "token_embd.weight");
  if (is_output) {
    if (row_length % kernels::traits(TensorType::q6_k).block_size != 0) return TensorType::q8_0;
    if (type != TensorType::q8_0) type = TensorType::q6_k;
  } else if (file_type.mixture && (name.ends_with("attn_v.weight") || name.ends_with("ffn_down.weight"))) {
    if (uses_more_bits(layer_of(name), n_layer)) type = TensorType::q6_k;
  }
  return fitting(type, row_length);
}

}  // namespace ck::quantize
