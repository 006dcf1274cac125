#include "tokenizer/bpe.h"

#include <string_view>

#include "tokenizer/symbol_merge.h"

namespace ck::tok {
namespace {

void tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out) {
  if (vocab.ignore_merges) {
    if (const auto id = vocab.find(word)) {
      out.push_back(*id);
      return;
    }
  }
  std::vector<std::string_view> pieces;
  merge_symbols(
      word,
      [&](std::string_view left, std::string_view right) -> std::optional<double> {
        const int32_t rank = vocab.merge_rank(left, right);
        if (rank < 0) return std::nullopt;
        return -static_cast<double>(rank);  // the lower the rank, the earlier the merge
      },
      pieces);
  for (const std::string_view piece : pieces) {
    if (const auto id = vocab.find(piece)) {
      out.push_back(*id);
      continue;
    }
    // llama.cpp then looks up each byte of the piece's text on its own; those that are no token vanish.
    for (size_t j = 0; j < piece.size(); ++j) {
      if (const auto id = vocab.find(piece.substr(j, 1))) out.push_back(*id);
    }
  }
}

}  // namespace

void bpe_tokenize(const Vocab& vocab, const std::vector<std::string>& words, std::vector<TokenId>& out) {
  for (const std::string& w : words) {
    if (!w.empty()) tokenize_word(vocab, w, out);
  }
}

}  // namespace ck::tok
