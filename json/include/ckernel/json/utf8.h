// UTF-8 well-formedness as Unicode defines it (table 3-7: no overlong forms, no surrogates, nothing above
// U+10FFFF). JSON text must be valid UTF-8, and so must ckd's D-Bus strings, which also meet characters
// that a token boundary has cut in two, and the training corpora, which are checked before tokenizing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ck {

enum class Utf8Status {
  complete,   // a whole, valid sequence of `length` bytes
  invalid,    // the byte at i cannot start a sequence, or the sequence it starts breaks off
  truncated,  // a valid beginning that the text ends before completing
};

struct Utf8Sequence {
  Utf8Status status;
  // complete: the sequence's bytes. invalid and truncated: the maximal subpart (Unicode 3.9, "U+FFFD
  // Substitution of Maximal Subparts"), the longest start of a well-formed sequence found at i, at least
  // 1 byte; whoever substitutes U+FFFD replaces these bytes with one.
  std::size_t length;
};

// What starts at text[i], for i < text.size().
Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i);

// The offset of the first byte of the first ill-formed sequence (invalid, or truncated by the end of
// the text), or nullopt when all of `text` is valid: what names the place of the damage in a corrupt file.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// Appends a code point (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t code_point);

}  // namespace ck
