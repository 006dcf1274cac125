// A small regular expression engine over code points, for the pre-tokenizer patterns.
//
// Syntax (a subset of ECMAScript): alternation |, groups (...) and (?:...), lookaheads (?=...) and (?!...),
// greedy quantifiers ? * + {m} {m,} {m,n}, anchors ^ and $ (the ends of the searched text), . (anything but
// \n \r U+2028 U+2029), classes [...] and [^...] with ranges, escapes \s \S (White_Space) \d \D \w \W,
// \p{..} \P{..} (general categories: L, Lu, N, P, ...), \r \n \t \f \v \0 \xHH \uHHHH \u{H...}, and \ before
// any other ASCII punctuation for the character itself.
//
// Matching is leftmost-first with backtracking (PCRE/ECMAScript semantics). Each (branch point, position)
// pair is explored at most once per search, so a search takes time linear in the text length times the
// pattern size (no catastrophic backtracking). Lookahead bodies are matched without that bound, so keep
// them short. A quantified group that can match the empty string without bound (e.g. (a?)*) is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ck::tok {

class Regex {
 public:
  // Throws std::invalid_argument naming the pattern and the offset of the problem.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The successive non-overlapping matches in `text` as [begin, end) offsets, the way std::regex_iterator
  // finds them over the same range: every search starts where the previous match ended and takes the
  // leftmost position that matches. Empty matches are skipped over (none of the tokenizer's patterns can
  // produce one).
  std::vector<std::pair<size_t, size_t>> find_all(std::span<const uint32_t> text) const;

  // The end of the match that starts exactly at `pos`, or SIZE_MAX when there is none.
  size_t match_at(std::span<const uint32_t> text, size_t pos) const;

  const std::string& pattern() const;

  struct Compiled;

 private:
  std::unique_ptr<const Compiled> compiled_;
};

}  // namespace ck::tok
