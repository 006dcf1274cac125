// The choices that ckernel copies from llama.cpp's build and graph so that it computes what llama.cpp
// computes, bit for bit. Each is written here once: moving to a newer llama.cpp, or adding a faster mode
// that does not match it, is a change in this file (and its .cpp), not a hunt through the engine.
//
// What lives elsewhere is the arithmetic that reproduces ggml's kernels themselves (the lanes, FMAs and
// reduction orders in kernels/src, ggml_cpu.h); this file holds the decisions of llama.cpp that choose
// among those kernels and shape the computation around them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ckernel/kernels/tensor_type.h"

namespace ck::kernels::llama_cpp {

// The llama.cpp commit whose results ckernel reproduces (the fixtures under tests/data were made with it),
// and the ggml commit that llama.cpp used, as compiled for x86-64 with AVX-512 (F, DQ), FMA and F16C.
inline constexpr std::string_view kCommit = "c392e5094dea";
inline constexpr std::string_view kGgmlCommit = "a55b828f";

// ---- Matrix products: which kernel ggml's mul_mat takes ----

// ggml computes the same product differently depending on the shape and on how many activation rows
// are multiplied at once: a type's vec_dot in general, and for some shapes another kernel (its
// DotVariant in type_kernels.h):
//   F32, F16, BF16: llamafile's tinyBLAS (llamafile_sgemm's conditions), from 2 tokens on, for
//                   rows % 4 == 0 and cols % 16 (BF16: 32) == 0.
//   Q4_0: the q4_0_8x8 kernels of ggml's CPU "repack" buffer type (ggml_aarch64_get_optimal_repack_type),
//         which llama.cpp puts every Q4_0 matrix weight with rows % 8 == 0 in (token_embd, read by
//         GET_ROWS, stays plain; a tied output layer is a separate, repacked copy), for any number of
//         tokens.
// (tinyBLAS for Q8_0, Q4_0 and Q5_0 computes exactly what their vec_dot computes, so they have none.)
struct DotVariantShape {
  int64_t min_tokens;     // activation rows multiplied at once
  int64_t rows_multiple;  // of the weight matrix's rows
  int64_t cols_multiple;  // of its row length
};

// The shapes where ggml takes `type`'s variant kernel, or nullopt when the type has none.
std::optional<DotVariantShape> dot_variant_shape(TensorType type);

// Whether ggml multiplies a `rows` x `cols` weight matrix of `type` with `n_tokens` activation rows by
// the type's variant kernel rather than its vec_dot.
bool uses_dot_variant(TensorType type, int64_t rows, int64_t cols, int64_t n_tokens);

// ---- The graph ----

// Without flash attention llama.cpp attends over the used KV cells padded to a multiple of 32
// (llama_kv_cache_get_padding), reading the padding with weight 0; it pads its n_ctx to 32 too.
inline constexpr int64_t kKvPadding = 32;

// The KV cells llama.cpp attends over when n_used are used (at least kKvPadding), and so the cells per
// layer a cache of n_used positions must have.
int64_t padded_kv_length(int64_t n_used);

// Prompt tokens evaluated together: llama.cpp's default micro-batch (n_ubatch). A batch rounds
// differently from a single token, so the same split keeps results identical to llama.cpp's.
inline constexpr int64_t kPromptBatch = 512;

// In the last layer llama.cpp keeps only the rows whose outputs are wanted (ggml_get_rows with
// inp_out_ids after attention): of a batch of n_tokens, the last token's. Its feed-forward block and
// output layer then multiply single rows, which round as single-token products do.
int64_t last_layer_rows(int64_t n_tokens);

// ---- The tokenizer ----

// The special tokens a vocabulary has when its GGUF metadata does not name them (llama_vocab::impl::load):
// SentencePiece ("llama") vocabularies BOS 1, EOS 2, UNK 0; byte-level BPE ("gpt2") ones BOS = EOS = 11
// and no UNK.
struct DefaultSpecialTokens {
  int32_t bos;
  int32_t eos;
  std::optional<int32_t> unk;
};
inline constexpr DefaultSpecialTokens kSpmDefaultSpecialTokens{1, 2, 0};
inline constexpr DefaultSpecialTokens kBpeDefaultSpecialTokens{11, 11, std::nullopt};

// llama.cpp hands non-ASCII white space to std::regex as this code point (U+000B), whose \s only knows
// ASCII; so the pre-tokenizer regexes see it, not the original, and their explicit ranges (U+3000 in
// DeepSeek's punctuation) never match those code points.
inline constexpr uint32_t kNonAsciiWhiteSpaceStandIn = 0x0B;

}  // namespace ck::kernels::llama_cpp
