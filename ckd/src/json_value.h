// The JSON ckd reads and writes: its state file and the GetStatus document. A small value type with a
// strict parser (errors name the offset) and a compact writer; integers stay exact 64-bit numbers.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ckernel::daemon {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool value) : value_(value) {}
  Json(int value) : value_(std::int64_t{value}) {}
  Json(unsigned value) : value_(std::int64_t{value}) {}
  Json(std::int64_t value) : value_(value) {}
  Json(std::uint64_t value) : value_(static_cast<std::int64_t>(value)) {}
  Json(double value) : value_(value) {}
  Json(const char* value) : value_(std::string(value)) {}
  Json(std::string value) : value_(std::move(value)) {}
  Json(Array value) : value_(std::move(value)) {}
  Json(Object value) : value_(std::move(value)) {}

  static Json parse(std::string_view text);
  std::string dump() const;

  // Typed access; each throws JsonError saying what was expected when the value is of another type.
  bool boolean() const;
  std::int64_t integer() const;
  std::uint64_t unsigned_integer() const;
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;
  // The member `key` of an object; throws JsonError naming the key when it is absent.
  const Json& at(std::string_view key) const;

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> value_;
};

}  // namespace ckernel::daemon
