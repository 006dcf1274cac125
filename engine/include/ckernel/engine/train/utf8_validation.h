// UTF-8 well-formedness (RFC 3629, the Unicode standard's table 3-7), checked before text reaches the
// tokenizer so that a corrupt file is reported with the place of the damage rather than tokenized as
// replacement bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ck::train {

// The offset of the first byte of the first ill-formed sequence (a stray continuation byte, a lead byte
// that no valid sequence starts with, a truncated sequence, an overlong form, a surrogate or a code point
// above U+10FFFF), or nullopt when all of `text` is valid.
std::optional<size_t> first_invalid_utf8(std::string_view text);

}  // namespace ck::train
