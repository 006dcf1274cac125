#include "tokenizer/spm.h"

#include <queue>
#include <string>

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
  float score;
  size_t size;
};

// The best score on top; among equal scores the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& l, const Bigram& r) const {
    return l.score < r.score || (l.score == r.score && l.left > r.left);
  }
};

}  // namespace

std::array<std::optional<TokenId>, 256> spm_byte_tokens(const Vocab& vocab) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::array<std::optional<TokenId>, 256> table;
  for (int b = 0; b < 256; ++b) {
    const char name[] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
    std::optional<TokenId> id = vocab.find(std::string_view(name, sizeof(name)));
    const std::string single(1, static_cast<char>(b));
    if (!id) id = vocab.find(single);
    if (!id) id = vocab.unk;
    table[b] = id;
  }
  return table;
}

void spm_tokenize(const Vocab& vocab, const std::array<std::optional<TokenId>, 256>& byte_tokens,
                  std::string_view text, std::vector<TokenId>& out) {
  if (text.empty()) return;
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t n = std::min(utf8_sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, offset + n == text.size() ? -1 : index + 1, offset, n});
    offset += n;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  const auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t size = symbols[left].n + symbols[right].n;
    if (size > vocab.max_token_len) return;
    const auto id = vocab.find(text.substr(symbols[left].start, size));
    if (!id) return;
    queue.push(Bigram{left, right, vocab.score[*id], size});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;  // outdated
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].start, symbols[i].n);
    if (const auto id = vocab.find(piece)) {
      out.push_back(*id);
      continue;
    }
    // Not a token (merged symbols always are): its bytes.
    for (char c : piece) {
      if (const auto& id = byte_tokens[static_cast<uint8_t>(c)]) out.push_back(*id);
    }
  }
}

}  // namespace ck::tok
