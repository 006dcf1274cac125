// SentencePiece-style tokenization of llama vocabularies (llama.cpp's llm_tokenizer_spm): start from UTF-8
// characters, repeatedly merge the neighbouring pair whose concatenation is the best-scoring vocabulary
// entry, and spell what never became a token as byte tokens.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace ck::tok {

// The token for each byte: <0xXX>, else the one-byte token, else the unknown token, else none.
std::array<std::optional<TokenId>, 256> spm_byte_tokens(const Vocab& vocab);

// `text` already has its spaces escaped as U+2581 (and the space prefix added).
void spm_tokenize(const Vocab& vocab, const std::array<std::optional<TokenId>, 256>& byte_tokens,
                  std::string_view text, std::vector<TokenId>& out);

}  // namespace ck::tok
