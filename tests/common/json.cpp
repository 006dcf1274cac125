#include "json.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ck::test {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Json document() {
    Json v = value();
    skip_space();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(pos_));
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Json value() {
    const char c = peek();
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return Json{string()};
    if (literal("true")) return Json{true};
    if (literal("false")) return Json{false};
    if (literal("null")) return Json{nullptr};
    return number();
  }

  Json object() {
    expect('{');
    auto obj = std::make_shared<Json::Object>();
    if (peek() == '}') {
      ++pos_;
      return Json{obj};
    }
    for (;;) {
      if (peek() != '"') fail("expected a key");
      std::string key = string();
      expect(':');
      (*obj)[key] = value();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      return Json{obj};
    }
  }

  Json array() {
    expect('[');
    auto arr = std::make_shared<Json::Array>();
    if (peek() == ']') {
      ++pos_;
      return Json{arr};
    }
    for (;;) {
      arr->push_back(value());
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return Json{arr};
    }
  }

  Json number() {
    const char* begin = s_.data() + pos_;
    char* end = nullptr;
    const std::string copy(begin, std::min<size_t>(64, s_.size() - pos_));
    const double d = std::strtod(copy.c_str(), &end);
    const size_t used = static_cast<size_t>(end - copy.c_str());
    if (used == 0) fail("unexpected character");
    pos_ += used;
    return Json{d};
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
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

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

template <class T>
const T& as(const Json& j, const char* what) {
  if (const T* v = std::get_if<T>(&j.value)) return *v;
  throw std::runtime_error(std::string("JSON value is not ") + what);
}

}  // namespace

const Json::Array& Json::array() const { return *as<std::shared_ptr<Array>>(*this, "an array"); }
const Json::Object& Json::object() const { return *as<std::shared_ptr<Object>>(*this, "an object"); }
const std::string& Json::str() const { return as<std::string>(*this, "a string"); }
double Json::number() const { return as<double>(*this, "a number"); }
bool Json::boolean() const { return as<bool>(*this, "a boolean"); }

int64_t Json::integer() const {
  const double d = number();
  if (std::trunc(d) != d) throw std::runtime_error("JSON number is not an integer");
  return static_cast<int64_t>(d);
}

bool Json::contains(std::string_view key) const { return object().find(key) != object().end(); }

const Json& Json::operator[](std::string_view key) const {
  const auto it = object().find(key);
  if (it == object().end()) throw std::runtime_error("JSON object has no key '" + std::string(key) + "'");
  return it->second;
}

const Json& Json::operator[](size_t index) const {
  if (index >= array().size()) throw std::runtime_error("JSON array index out of range");
  return array()[index];
}

Json parse_json(std::string_view text) { return Parser(text).document(); }

Json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return parse_json(s.str());
}

}  // namespace ck::test
