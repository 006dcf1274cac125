// Byte-level BPE of gpt2 vocabularies (llama.cpp's llm_tokenizer_bpe): each pre-tokenized word starts as its
// characters and the neighbouring pair with the lowest merge rank is merged until no listed merge is left.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/vocab.h"

namespace ck::tok {

// `words` are byte-level encoded (PreTokenizer::split).
void bpe_tokenize(const Vocab& vocab, const std::vector<std::string>& words, std::vector<TokenId>& out);

}  // namespace ck::tok
