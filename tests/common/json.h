// A small JSON DOM parser for reading test fixtures (objects, arrays, strings with \u escapes including
// surrogate pairs, numbers, booleans, null). Throws std::runtime_error with the offset on bad input.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ck::test {

struct Json {
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> value;

  const Json& operator[](std::string_view key) const;  // throws when absent or not an object
  const Json& operator[](size_t index) const;          // throws when out of range or not an array
  bool contains(std::string_view key) const;
  const Array& array() const;
  const Object& object() const;
  const std::string& str() const;
  double number() const;
  int64_t integer() const;
  bool boolean() const;
  size_t size() const { return array().size(); }
};

Json parse_json(std::string_view text);
Json read_json_file(const std::string& path);

}  // namespace ck::test
