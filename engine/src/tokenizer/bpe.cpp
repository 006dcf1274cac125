#include "tokenizer/bpe.h"

#include <queue>
#include <string_view>

#include "tokenizer/unicode.h"

namespace ck::tok {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t start;
  size_t n;  // 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  size_t size;
};

// The lowest rank on top; among equal ranks the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& l, const Bigram& r) const {
    return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
  }
};

void tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out) {
  if (vocab.ignore_merges) {
    if (const auto id = vocab.find(word)) {
      out.push_back(*id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  for (size_t offset = 0; offset < word.size();) {
    const size_t n = std::min(utf8_sequence_length(static_cast<uint8_t>(word[offset])), word.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, offset + n == word.size() ? -1 : index + 1, offset, n});
    offset += n;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  const auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const int32_t rank = vocab.merge_rank(word.substr(l.start, l.n), word.substr(r.start, r.n));
    if (rank < 0) return;
    queue.push(Bigram{left, right, rank, l.n + r.n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    // Symbols only grow rightwards from fixed starts, so an unchanged size means unchanged texts.
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = word.substr(symbols[i].start, symbols[i].n);
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
