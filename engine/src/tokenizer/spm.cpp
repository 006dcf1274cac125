#include "tokenizer/spm.h"

#include <string>

#include "tokenizer/symbol_merge.h"

namespace ck::tok {

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
  std::vector<std::string_view> pieces;
  merge_symbols(
      text,
      [&](std::string_view left, std::string_view right) -> std::optional<double> {
        const size_t size = left.size() + right.size();
        if (size > vocab.max_token_len) return std::nullopt;
        const auto id = vocab.find(std::string_view(left.data(), size));
        if (!id) return std::nullopt;
        return vocab.score[*id];  // the higher the score, the earlier the merge
      },
      pieces);
  for (const std::string_view piece : pieces) {
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
