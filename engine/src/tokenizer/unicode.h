// Unicode facts the tokenizer needs: general categories, White_Space, and UTF-8 conversion that treats
// malformed input the way llama.cpp does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ck::tok {

// The Unicode general categories, in the order of gen_unicode_tables.py.
enum class GeneralCategory : uint8_t {
  lu,
  ll,
  lt,
  lm,
  lo,
  mn,
  mc,
  me,
  nd,
  nl,
  no,
  pc,
  pd,
  ps,
  pe,
  pi,
  pf,
  po,
  sm,
  sc,
  sk,
  so,
  zs,
  zl,
  zp,
  cc,
  cf,
  cs,
  co,
  cn,
};

inline constexpr uint32_t kReplacementChar = 0xFFFD;
inline constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// Cn for code points above U+10FFFF.
GeneralCategory general_category(uint32_t cp);
bool is_white_space(uint32_t cp);  // the White_Space property

// Sets of categories as bit masks (bit i = GeneralCategory i).
using CategoryMask = uint32_t;
constexpr CategoryMask category_bit(GeneralCategory c) { return CategoryMask{1} << static_cast<unsigned>(c); }
inline bool in_categories(uint32_t cp, CategoryMask mask) {
  return (mask & category_bit(general_category(cp))) != 0;
}
// "L", "Lu", "Letter", "Uppercase_Letter", ... as in \p{..}; nullopt for names it does not know.
std::optional<CategoryMask> category_mask_by_name(std::string_view name);

// The byte count of a UTF-8 sequence judged by its first byte alone, as llama.cpp's unicode_len_utf8 does
// (continuation bytes count 1; F8..FF count 4).
size_t utf8_sequence_length(unsigned char lead);

// Decodes one code point at text[*offset] and advances *offset. Like llama.cpp: a malformed sequence (bad
// lead byte, missing or wrong continuation bytes) yields U+FFFD and advances one byte; overlong forms,
// surrogates and values up to 0x1FFFFF are decoded as they are written.
uint32_t decode_utf8(std::string_view text, size_t* offset);
std::vector<uint32_t> decode_utf8(std::string_view text);

// Appends the UTF-8 form of cp; values above U+10FFFF are written as U+FFFD (llama.cpp throws there).
void append_utf8(std::string& out, uint32_t cp);

}  // namespace ck::tok
