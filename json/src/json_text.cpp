#include "ckernel/json/json_text.h"

#include <charconv>
#include <cmath>

#include "ckernel/json/utf8.h"

namespace ck {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

template <class Number>
std::string shortest_text(Number value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  // 32 bytes hold the shortest form of any double, so to_chars cannot run out of room.
  return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}

}  // namespace

void append_json_quoted(std::string& out, std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Sequence sequence = utf8_sequence_at(text, i);
    if (sequence.status != Utf8Status::complete) {
      out += kReplacementCharacter;  // one for each maximal subpart, as Unicode recommends
      i += sequence.length;
      continue;
    }
    const char c = text[i];
    const std::size_t length = sequence.length;
    if (length > 1) {
      out.append(text.substr(i, length));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 0xF];
    } else {
      out += c;
    }
    i += length;
  }
  out += '"';
}

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_quoted(out, text);
  return out;
}

std::string json_number(double value) { return shortest_text(value); }
std::string json_number(float value) { return shortest_text(value); }

}  // namespace ck
