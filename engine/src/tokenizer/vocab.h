// The vocabulary of a GGUF file (tokenizer.ggml.*), read and completed the way llama.cpp's llama_vocab::load
// does it: default special tokens per tokenizer model, token attributes, the special-token list, the
// end-of-generation set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ckernel/engine/tokenizer.h"
#include "tokenizer/pre_tokenizer.h"

namespace ck {
class GgufFile;
}

namespace ck::tok {

// llama_token_attr bits.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,
  kAttrRstrip = 1u << 8,
};

enum class VocabType { spm, bpe };

struct Vocab {
  Vocab() = default;
  Vocab(Vocab&&) = default;  // id_of keeps pointing into `text`: moving a vector keeps its elements in place
  Vocab& operator=(Vocab&&) = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

  VocabType type = VocabType::spm;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre, "default" when absent
  PreTokenizerKind pre_kind = PreTokenizerKind::llama_default;

  std::vector<std::string> text;
  std::vector<float> score;
  std::vector<uint32_t> attr;
  size_t max_token_len = 0;

  std::optional<TokenId> bos, eos, eot, eom, unk, sep, pad, mask;
  std::optional<TokenId> fim_pre, fim_suf, fim_mid, fim_pad, fim_rep, fim_sep;

  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;
  bool ignore_merges = false;

  // Control, user-defined and unknown tokens, longest text first (tokenizer_st_partition's order).
  std::vector<TokenId> special_tokens;
  std::vector<bool> is_eog;

  TokenId size() const { return static_cast<TokenId>(text.size()); }
  std::optional<TokenId> find(std::string_view s) const;
  // The rank of the merge "left right" (lower merges first), or -1.
  int32_t merge_rank(std::string_view left, std::string_view right) const;

  // Built by load_vocab.
  std::unordered_map<std::string_view, TokenId> id_of;  // views into `text`
  std::unordered_map<std::string, int32_t> merges;      // key: see merge_key()
};

std::string merge_key(std::string_view left, std::string_view right);

// GgufError (via file.fail) naming the key when something is missing or inconsistent.
Vocab load_vocab(const GgufFile& file);

}  // namespace ck::tok
