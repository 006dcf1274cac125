// Json::parse: a recursive-descent parser of RFC 8259 JSON that refuses anything else (see json.h).
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include "ckernel/json/json.h"
#include "ckernel/json/utf8.h"

namespace ck {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The value of a hexadecimal digit, or -1.
int hex_digit_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Json document() {
    Json value = parse_value();
    skip_space();
    if (position_ != text_.size()) fail("unexpected text after the document");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(position_, what); }

  // Names the line and column (both from 1, columns in bytes) as well as the offset: state files and
  // fixtures span many lines.
  [[noreturn]] void fail_at(std::size_t offset, const std::string& what) const {
    const std::string_view before = text_.substr(0, offset);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const std::size_t last_newline = before.rfind('\n');
    const std::size_t column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
    throw JsonError("JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
                    " (offset " + std::to_string(offset) + "): " + what);
  }

  bool at_end() const { return position_ >= text_.size(); }
  char current() const { return text_[position_]; }

  void skip_space() {
    while (!at_end() && (current() == ' ' || current() == '\t' || current() == '\n' || current() == '\r'))
      ++position_;
  }

  // Skips space and consumes `expected` if it comes next.
  bool consume(char expected) {
    skip_space();
    if (at_end() || current() != expected) return false;
    ++position_;
    return true;
  }

  Json parse_value() {
    skip_space();
    if (at_end()) fail("unexpected end of the document, expected a value");
    switch (current()) {
      case '{':
      case '[': {
        if (++depth_ > Json::kMaxDepth)
          fail("nesting deeper than " + std::to_string(Json::kMaxDepth) + " levels");
        Json value = current() == '{' ? parse_object() : parse_array();
        --depth_;
        return value;
      }
      case '"':
        return parse_string();
      case 't':
        return parse_literal("true", true);
      case 'f':
        return parse_literal("false", false);
      case 'n':
        return parse_literal("null", nullptr);
      default:
        if (current() == '-' || is_digit(current())) return parse_number();
        fail("expected a value");
    }
  }

  Json parse_literal(std::string_view word, Json value) {
    if (text_.substr(position_, word.size()) != word) fail("expected a value");
    position_ += word.size();
    return value;
  }

  Json parse_object() {
    ++position_;  // '{'
    Json::Object members;
    if (consume('}')) return members;
    do {
      skip_space();
      if (at_end() || current() != '"') fail("expected a member name in double quotes");
      const std::size_t name_offset = position_;
      std::string name = parse_string();
      if (members.contains(name)) fail_at(name_offset, "duplicate member \"" + name + "\"");
      if (!consume(':')) fail("expected ':' after a member name");
      members.emplace(std::move(name), parse_value());
    } while (consume(','));
    if (!consume('}')) fail("expected ',' or '}' in an object");
    return members;
  }

  Json parse_array() {
    ++position_;  // '['
    Json::Array elements;
    if (consume(']')) return elements;
    do {
      elements.push_back(parse_value());
    } while (consume(','));
    if (!consume(']')) fail("expected ',' or ']' in an array");
    return elements;
  }

  std::string parse_string() {
    const std::size_t start = position_++;  // the opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string");
      const char c = current();
      if (c == '"') {
        ++position_;
        return out;
      }
      if (c == '\\') {
        parse_escape(out);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        fail("control character in a string (it must be escaped)");
      } else {
        const Utf8Sequence sequence = utf8_sequence_at(text_, position_);
        if (sequence.status != Utf8Status::complete) fail("invalid UTF-8 in a string");
        out.append(text_.substr(position_, sequence.length));
        position_ += sequence.length;
      }
    }
  }

  void parse_escape(std::string& out) {
    const std::size_t start = position_++;  // the backslash
    if (at_end()) fail_at(start, "unterminated escape");
    const char e = text_[position_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'n':
        out += '\n';
        return;
      case 'r':
        out += '\r';
        return;
      case 't':
        out += '\t';
        return;
      case 'u':
        append_utf8(out, parse_code_point(start));
        return;
      default:
        fail_at(start, "invalid escape");
    }
  }

  // The code point of a \u escape whose backslash is at `start`; a surrogate pair takes two escapes.
  std::uint32_t parse_code_point(std::size_t start) {
    const std::uint32_t first = parse_hex4(start);
    if (first >= 0xDC00 && first <= 0xDFFF) fail_at(start, "unpaired low surrogate");
    if (first < 0xD800 || first > 0xDBFF) return first;
    const std::size_t second_start = position_;
    if (text_.substr(position_, 2) != "\\u") fail_at(start, "unpaired high surrogate");
    position_ += 2;
    const std::uint32_t second = parse_hex4(second_start);
    if (second < 0xDC00 || second > 0xDFFF) fail_at(start, "unpaired high surrogate");
    return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
  }

  std::uint32_t parse_hex4(std::size_t start) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i, ++position_) {
      if (at_end()) fail_at(start, "\\u needs four hexadecimal digits");
      const int digit = hex_digit_value(current());
      if (digit < 0) fail_at(start, "\\u needs four hexadecimal digits");
      value = value << 4 | static_cast<std::uint32_t>(digit);
    }
    return value;
  }

  void skip_digits() {
    while (!at_end() && is_digit(current())) ++position_;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? : an integer when it has neither fraction nor exponent
  // and fits int64_t or (not negative) uint64_t, otherwise a double. "-0" is a double too, or its sign would
  // be lost.
  Json parse_number() {
    const std::size_t start = position_;
    if (current() == '-') ++position_;
    if (at_end() || !is_digit(current())) fail("expected a digit");
    if (current() == '0') {
      ++position_;
      if (!at_end() && is_digit(current()))
        fail_at(start, "a number must not start with 0 followed by digits");
    } else {
      skip_digits();
    }
    bool integral = true;
    if (!at_end() && current() == '.') {
      ++position_;
      if (at_end() || !is_digit(current())) fail("expected a digit after the decimal point");
      skip_digits();
      integral = false;
    }
    if (!at_end() && (current() == 'e' || current() == 'E')) {
      ++position_;
      if (!at_end() && (current() == '+' || current() == '-')) ++position_;
      if (at_end() || !is_digit(current())) fail("expected a digit in the exponent");
      skip_digits();
      integral = false;
    }
    const char* const first = text_.data() + start;
    const char* const last = text_.data() + position_;
    if (integral && std::string_view(first, last) != "-0") {
      std::int64_t value = 0;
      const std::from_chars_result result = std::from_chars(first, last, value);
      if (result.ec == std::errc() && result.ptr == last) return value;
      if (*first != '-') {
        std::uint64_t large = 0;
        const std::from_chars_result unsigned_result = std::from_chars(first, last, large);
        if (unsigned_result.ec == std::errc() && unsigned_result.ptr == last) return large;
      }
      // Beyond 64 bits: a double, as other JSON readers make it.
    }
    double value = 0;
    const std::from_chars_result result = std::from_chars(first, last, value);
    if (result.ec != std::errc() || result.ptr != last) fail_at(start, "number out of range");
    return value;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  int depth_ = 0;
};

}  // namespace

Json Json::parse(std::string_view text) { return Parser(text).document(); }

Json Json::parse_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JsonError(path.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse(text.view());
  } catch (const JsonError& e) {
    throw JsonError(path.string() + ": " + e.what());
  }
}

}  // namespace ck
