// UTF-8 as JSON text needs it: the parser accepts only valid UTF-8, the writer replaces what is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ck::json_detail {

// The length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF are not).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Appends a code point (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t code_point);

}  // namespace ck::json_detail
