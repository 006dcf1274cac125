// Cuts the special tokens out of a text before the tokenizer model sees it (llama.cpp's
// tokenizer_st_partition): longest token texts first, each token's every occurrence in the text that is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace ck::tok {

struct Fragment {
  bool is_token = false;
  TokenId token = -1;  // when is_token
  size_t offset = 0;   // of the text, when !is_token
  size_t length = 0;
};

class SpecialTokenSplitter {
 public:
  // Keeps a reference to `vocab`.
  explicit SpecialTokenSplitter(const Vocab& vocab);

  // Control and unknown tokens are cut out only when parse_special; user-defined tokens always. Text next to
  // a token with the lstrip/rstrip attribute loses the ASCII white space on that side.
  std::vector<Fragment> split(std::string_view text, bool parse_special) const;

 private:
  // Which special tokens occur anywhere in `text` (indices into vocab.special_tokens), found with one walk of
  // a trie of their texts, so that the thousands that usually do not occur cost nothing.
  std::vector<bool> occurring(std::string_view text) const;

  struct TrieNode {
    std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
    int32_t special_index = -1;                         // into vocab.special_tokens, when a token ends here
  };
  const Vocab& vocab_;
  std::vector<TrieNode> trie_;
};

}  // namespace ck::tok
