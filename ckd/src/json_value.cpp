#include "json_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ckernel::daemon {
namespace {

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
  [[noreturn]] void fail(const std::string& what) const {
    throw JsonError("JSON at offset " + std::to_string(position_) + ": " + what);
  }
  void skip_space() {
    while (position_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[position_]) != std::string_view::npos)
      ++position_;
  }
  bool consume(char expected) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == expected) {
      ++position_;
      return true;
    }
    return false;
  }
  void expect(char expected) {
    if (!consume(expected)) fail(std::string("expected '") + expected + "'");
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }

  Json parse_value() {
    if (++depth_ > 64) fail("nesting deeper than 64");
    skip_space();
    if (position_ >= text_.size()) fail("unexpected end");
    Json value;
    const char c = text_[position_];
    if (c == '{') {
      value = parse_object();
    } else if (c == '[') {
      value = parse_array();
    } else if (c == '"') {
      value = parse_string();
    } else if (consume_word("true")) {
      value = true;
    } else if (consume_word("false")) {
      value = false;
    } else if (consume_word("null")) {
      value = nullptr;
    } else {
      value = parse_number();
    }
    --depth_;
    return value;
  }

  Json parse_object() {
    expect('{');
    Json::Object object;
    if (consume('}')) return object;
    do {
      skip_space();
      std::string key = parse_string();
      expect(':');
      object.insert_or_assign(std::move(key), parse_value());
    } while (consume(','));
    expect('}');
    return object;
  }

  Json parse_array() {
    expect('[');
    Json::Array array;
    if (consume(']')) return array;
    do {
      array.push_back(parse_value());
    } while (consume(','));
    expect(']');
    return array;
  }

  std::string parse_string() {
    if (position_ >= text_.size() || text_[position_] != '"') fail("expected a string");
    ++position_;
    std::string out;
    while (true) {
      if (position_ >= text_.size()) fail("unterminated string");
      const char c = text_[position_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position_ >= text_.size()) fail("unterminated escape");
      const char e = text_[position_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_utf8(out, parse_code_point());
          break;
        default:
          fail("unknown escape");
      }
    }
  }

  unsigned parse_hex4() {
    if (position_ + 4 > text_.size()) fail("short \\u escape");
    unsigned value = 0;
    const auto [end, error] =
        std::from_chars(text_.data() + position_, text_.data() + position_ + 4, value, 16);
    if (error != std::errc() || end != text_.data() + position_ + 4) fail("bad \\u escape");
    position_ += 4;
    return value;
  }

  unsigned parse_code_point() {
    const unsigned high = parse_hex4();
    if (high < 0xD800 || high > 0xDBFF) return high;
    if (!consume_word("\\u")) fail("lone surrogate");
    const unsigned low = parse_hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair");
    return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Json parse_number() {
    const std::size_t start = position_;
    while (position_ < text_.size() &&
           std::string_view("+-0123456789.eE").find(text_[position_]) != std::string_view::npos)
      ++position_;
    const std::string_view number = text_.substr(start, position_ - start);
    if (number.empty()) fail("expected a value");
    if (number.find_first_of(".eE") == std::string_view::npos) {
      std::int64_t value = 0;
      const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (error == std::errc() && end == number.data() + number.size()) return value;
    }
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc() || end != number.data() + number.size()) fail("malformed number");
    return value;
  }

  std::string_view text_;
  std::size_t position_ = 0;
  int depth_ = 0;
};

void write_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};

}  // namespace

Json Json::parse(std::string_view text) { return Parser(text).document(); }

std::string Json::dump() const {
  std::string out;
  std::visit(Overloaded{
                 [&](std::nullptr_t) { out += "null"; },
                 [&](bool value) { out += value ? "true" : "false"; },
                 [&](std::int64_t value) { out += std::to_string(value); },
                 [&](double value) {
                   if (!std::isfinite(value)) {
                     out += "null";
                     return;
                   }
                   char text[32];
                   std::snprintf(text, sizeof text, "%.17g", value);
                   out += text;
                 },
                 [&](const std::string& value) { write_string(out, value); },
                 [&](const Array& value) {
                   out += '[';
                   for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + value[i].dump();
                   out += ']';
                 },
                 [&](const Object& value) {
                   out += '{';
                   bool first = true;
                   for (const auto& [key, member] : value) {
                     if (!first) out += ", ";
                     first = false;
                     write_string(out, key);
                     out += ": " + member.dump();
                   }
                   out += '}';
                 },
             },
             value_);
  return out;
}

bool Json::boolean() const {
  if (const auto* value = std::get_if<bool>(&value_)) return *value;
  throw JsonError("expected true or false");
}

std::int64_t Json::integer() const {
  if (const auto* value = std::get_if<std::int64_t>(&value_)) return *value;
  throw JsonError("expected an integer");
}

std::uint64_t Json::unsigned_integer() const {
  const std::int64_t value = integer();
  if (value < 0) throw JsonError("expected a non-negative integer");
  return static_cast<std::uint64_t>(value);
}

const std::string& Json::string() const {
  if (const auto* value = std::get_if<std::string>(&value_)) return *value;
  throw JsonError("expected a string");
}

const Json::Array& Json::array() const {
  if (const auto* value = std::get_if<Array>(&value_)) return *value;
  throw JsonError("expected an array");
}

const Json::Object& Json::object() const {
  if (const auto* value = std::get_if<Object>(&value_)) return *value;
  throw JsonError("expected an object");
}

const Json& Json::at(std::string_view key) const {
  const Object& members = object();
  const auto found = members.find(key);
  if (found == members.end()) throw JsonError("missing member \"" + std::string(key) + "\"");
  return found->second;
}

}  // namespace ckernel::daemon
