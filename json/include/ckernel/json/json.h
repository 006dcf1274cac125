// A JSON document as a value: the state file and status document of ckd, the fixtures of the tests.
// Json::parse is strict because ckd reads files anyone with access to its state directory could have
// written: RFC 8259 grammar only, UTF-8 only, at most 64 levels of nesting, no duplicate members, and every
// error is a JsonError naming the line, column and offset of the problem. Integers from -2^63 to 2^64 - 1
// stay exact; other numbers are doubles, and those too large or too small for a double are refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ck {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;

  // Containers nest deeper than this only in hostile input; the parser refuses them.
  static constexpr int kMaxDepth = 64;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool value) : value_(value) {}
  Json(int value) : value_(std::int64_t{value}) {}
  Json(unsigned value) : value_(std::int64_t{value}) {}
  Json(std::int64_t value) : value_(value) {}
  Json(std::uint64_t value);
  Json(double value) : value_(value) {}
  Json(const char* value) : value_(std::string(value)) {}
  Json(std::string value) : value_(std::move(value)) {}
  Json(Array value) : value_(std::move(value)) {}
  Json(Object value) : value_(std::move(value)) {}

  static Json parse(std::string_view text);
  // The whole file parsed; errors start with the path.
  static Json parse_file(const std::filesystem::path& path);
  // Compact text with ", " and ": " separators; members in key order; strings as json_quote writes them;
  // non-finite numbers as null.
  std::string dump() const;

  // Typed access; each throws JsonError saying what was expected when the value is of another type.
  bool boolean() const;
  std::int64_t integer() const;  // refuses integers above 2^63 - 1
  std::uint64_t unsigned_integer() const;
  double number() const;  // an integer or any other number
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;
  // The member `key` of an object; throws JsonError naming the key when it is absent.
  const Json& at(std::string_view key) const;

  friend bool operator==(const Json&, const Json&) = default;

 private:
  // Integers up to 2^63 - 1 are always held as int64_t, and only those above it as uint64_t, so that one
  // number has one representation and == compares numbers, whichever constructor made them.
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array, Object> value_;
};

}  // namespace ck
