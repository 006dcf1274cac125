// Text <-> token ids for the vocabularies GGUF files carry: SentencePiece ("llama") and byte-level BPE
// ("gpt2") with the pre-tokenizers of gpt-2, llama-bpe (llama 3), qwen2, falcon and deepseek-llm.
// Produces the same ids as llama.cpp for the same vocabulary and text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ck {

class GgufFile;
using TokenId = int32_t;

// tokenizer.ggml.token_type values.
enum class TokenKind : int32_t {
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,
};

class Tokenizer {
 public:
  // Reads tokenizer.ggml.* from the file; GgufError when keys are missing, inconsistent or of a
  // tokenizer model / pre-tokenizer this build does not know (the message names it).
  static Tokenizer from_gguf(const GgufFile& file);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // add_special: BOS (and EOS) as the vocabulary asks (tokenizer.ggml.add_bos_token / add_eos_token,
  //   with llama.cpp's defaults per tokenizer model when absent).
  // parse_special: text spelling a control token (e.g. "<s>") becomes that token; user-defined tokens
  //   are always matched, as llama.cpp does.
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes a token stands for. Control tokens give "" unless render_special.
  std::string piece(TokenId id, bool render_special = false) const;
  // Concatenated pieces without control tokens and without the space prefix that encode() adds, so
  // decode(encode(text, ...)) == text.
  std::string decode(std::span<const TokenId> ids) const;

  int32_t n_vocab() const;
  std::string_view token_text(TokenId id) const;  // as stored in the vocabulary
  TokenKind kind(TokenId id) const;
  std::optional<TokenId> bos() const;
  std::optional<TokenId> eos() const;
  bool adds_bos() const;
  // EOS, EOT and other end-of-generation tokens of the vocabulary.
  bool is_end_of_generation(TokenId id) const;
  std::string_view model() const;          // tokenizer.ggml.model: "llama" or "gpt2"
  std::string_view pre_tokenizer() const;  // tokenizer.ggml.pre, "default" when absent

  class Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ck
