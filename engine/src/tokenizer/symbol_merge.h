// The merge loop SentencePiece and BPE share: start from one symbol per UTF-8 character, then merge the
// adjacent pair that ranks best (highest priority; the leftmost among equals) until no pair qualifies.
// The two tokenizers differ only in how a pair ranks: a vocabulary score, or a merge rank.
#pragma once

#include <optional>
#include <queue>
#include <string_view>
#include <vector>

#include "tokenizer/unicode.h"

namespace ck::tok {

// priority(left, right) -> std::optional<double>: the pair's rank, or nullopt when it may not merge.
// left and right are adjacent in text. Appends the final symbols, in order, to `pieces`.
template <class Priority>
void merge_symbols(std::string_view text, Priority priority, std::vector<std::string_view>& pieces) {
  struct Symbol {
    int prev;
    int next;
    size_t start;
    size_t n;  // 0 once merged into its left neighbour
  };
  struct Pair {
    int left;
    int right;
    double priority;
    size_t size;
  };
  struct WorseFirst {
    bool operator()(const Pair& a, const Pair& b) const {
      return a.priority < b.priority || (a.priority == b.priority && a.left > b.left);
    }
  };
  if (text.empty()) return;

  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t n = std::min(utf8_sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, offset + n == text.size() ? -1 : index + 1, offset, n});
    offset += n;
  }

  std::priority_queue<Pair, std::vector<Pair>, WorseFirst> queue;
  const auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const std::optional<double> p = priority(text.substr(l.start, l.n), text.substr(r.start, r.n));
    if (p) queue.push(Pair{left, right, *p, l.n + r.n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol& left = symbols[p.left];
    Symbol& right = symbols[p.right];
    // Symbols only grow rightwards from fixed starts, so an unchanged size means unchanged texts.
    if (left.n == 0 || right.n == 0 || left.n + right.n != p.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = p.left;
    try_add(left.prev, p.left);
    try_add(p.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) pieces.push_back(text.substr(symbols[i].start, symbols[i].n));
}

}  // namespace ck::tok
