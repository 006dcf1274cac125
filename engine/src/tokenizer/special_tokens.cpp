#include "tokenizer/special_tokens.h"

#include <algorithm>

namespace ck::tok {
namespace {

bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

SpecialTokenSplitter::SpecialTokenSplitter(const Vocab& vocab) : vocab_(vocab), trie_(1) {
  for (size_t i = 0; i < vocab.special_tokens.size(); ++i) {
    int32_t node = 0;
    for (const char c : vocab.text[vocab.special_tokens[i]]) {
      const auto b = static_cast<uint8_t>(c);
      auto& kids = trie_[node].children;
      auto it = std::lower_bound(kids.begin(), kids.end(), std::pair<uint8_t, int32_t>(b, -1));
      if (it == kids.end() || it->first != b) {
        it = kids.insert(it, {b, static_cast<int32_t>(trie_.size())});
        const int32_t child = it->second;
        trie_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    }
    trie_[node].special_index = static_cast<int32_t>(i);
  }
}

std::vector<bool> SpecialTokenSplitter::occurring(std::string_view text) const {
  std::vector<bool> found(vocab_.special_tokens.size(), false);
  for (size_t start = 0; start < text.size(); ++start) {
    int32_t node = 0;
    for (size_t i = start; i < text.size(); ++i) {
      const auto& kids = trie_[node].children;
      const auto b = static_cast<uint8_t>(text[i]);
      const auto it = std::lower_bound(kids.begin(), kids.end(), std::pair<uint8_t, int32_t>(b, -1));
      if (it == kids.end() || it->first != b) break;
      node = it->second;
      if (trie_[node].special_index >= 0) found[trie_[node].special_index] = true;
    }
  }
  return found;
}

std::vector<Fragment> SpecialTokenSplitter::split(std::string_view text, bool parse_special) const {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back(Fragment{.offset = 0, .length = text.size()});

  const std::vector<bool> found = occurring(text);
  std::vector<Fragment> next;
  for (size_t k = 0; k < vocab_.special_tokens.size(); ++k) {
    if (!found[k]) continue;
    const TokenId id = vocab_.special_tokens[k];
    const uint32_t attr = vocab_.attr[id];
    if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view tok = vocab_.text[id];

    next.clear();
    for (const Fragment& f : fragments) {
      if (f.is_token) {
        next.push_back(f);
        continue;
      }
      size_t begin = f.offset;
      size_t length = f.length;
      while (length > 0) {
        const size_t match = text.substr(0, begin + length).find(tok, begin);
        if (match == std::string_view::npos) break;
        size_t left = match - begin;
        if (attr & kAttrLstrip) {
          while (left > 0 && is_ascii_space(text[begin + left - 1])) --left;
        }
        if (left > 0) next.push_back(Fragment{.offset = begin, .length = left});
        next.push_back(Fragment{.is_token = true, .token = id});
        size_t right_begin = match + tok.size();
        size_t right_length = begin + length - right_begin;
        if (attr & kAttrRstrip) {
          while (right_length > 0 && is_ascii_space(text[right_begin])) ++right_begin, --right_length;
        }
        begin = right_begin;
        length = right_length;
      }
      if (length > 0) next.push_back(Fragment{.offset = begin, .length = length});
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace ck::tok
