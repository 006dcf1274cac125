#include "utf8_text.h"

#include <cstddef>

namespace ckernel::daemon {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the valid sequence starting at text[i]; 0 when the bytes there are invalid, and -1 when
// they are a valid start cut off by the end of text.
int sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  int length = 0;
  unsigned char low = 0x80,
                high = 0xBF;  // the range of the second byte, narrowed to refuse overlongs and surrogates
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
    return 0;
  }
  for (int k = 1; k < length; ++k) {
    if (i + k >= text.size()) return -1;
    const unsigned char next = byte(i + k);
    if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) return 0;
  }
  return length;
}

// Appends the valid part of text to out, replacing invalid bytes; returns where an unfinished trailing
// character starts (text.size() when there is none).
std::size_t append_valid(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const int length = sequence_length(text, i);
    if (length < 0) return i;
    if (length == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, static_cast<std::size_t>(length)));
      i += static_cast<std::size_t>(length);
    }
  }
  return i;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  const std::size_t unfinished = append_valid(out, text);
  if (unfinished < text.size()) out += kReplacement;
  return out;
}

std::string Utf8Assembler::push(std::string_view piece) {
  pending_.append(piece);
  std::string out;
  const std::size_t unfinished = append_valid(out, pending_);
  pending_.erase(0, unfinished);
  return out;
}

std::string Utf8Assembler::finish() {
  if (pending_.empty()) return "";
  pending_.clear();
  return std::string(kReplacement);
}

}  // namespace ckernel::daemon
