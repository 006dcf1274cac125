#include "ckernel/json/utf8.h"

namespace ck {

Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {Utf8Status::complete, 1};
  std::size_t length = 0;
  // The range of the second byte, narrowed where the lead alone would allow an overlong form, a surrogate
  // or a code point above U+10FFFF.
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {Utf8Status::invalid, 1};
  }
  // The bytes before the first one out of range are the maximal subpart.
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return {Utf8Status::truncated, k};
    const unsigned char next = byte(i + k);
    if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) return {Utf8Status::invalid, k};
  }
  return {Utf8Status::complete, length};
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Sequence sequence = utf8_sequence_at(text, i);
    if (sequence.status != Utf8Status::complete) return i;
    i += sequence.length;
  }
  return std::nullopt;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | code_point >> 6);
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | code_point >> 12);
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | code_point >> 18);
    out += static_cast<char>(0x80 | (code_point >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace ck
