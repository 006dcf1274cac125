#include "ckernel/json/json.h"

#include <limits>

#include "ckernel/json/json_text.h"

namespace ck {
namespace {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
// Clang 14 (the fuzz build) does not deduce an aggregate's template arguments by itself.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace

Json::Json(std::uint64_t value) {
  if (value <= kInt64Max) {
    value_ = static_cast<std::int64_t>(value);
  } else {
    value_ = value;
  }
}

std::string Json::dump() const {
  return std::visit(Overloaded{
                        [](std::nullptr_t) -> std::string { return "null"; },
                        [](bool value) -> std::string { return value ? "true" : "false"; },
                        [](std::int64_t value) { return std::to_string(value); },
                        [](std::uint64_t value) { return std::to_string(value); },
                        [](double value) { return json_number(value); },
                        [](const std::string& value) { return json_quote(value); },
                        [](const Array& value) {
                          std::string out = "[";
                          for (std::size_t i = 0; i < value.size(); ++i) {
                            if (i > 0) out += ", ";
                            out += value[i].dump();
                          }
                          return out + "]";
                        },
                        [](const Object& value) {
                          std::string out = "{";
                          bool first = true;
                          for (const auto& [key, member] : value) {
                            if (!first) out += ", ";
                            first = false;
                            append_json_quoted(out, key);
                            out += ": " + member.dump();
                          }
                          return out + "}";
                        },
                    },
                    value_);
}

bool Json::boolean() const {
  if (const auto* value = std::get_if<bool>(&value_)) return *value;
  throw JsonError("expected true or false");
}

std::int64_t Json::integer() const {
  if (const auto* value = std::get_if<std::int64_t>(&value_)) return *value;
  if (std::holds_alternative<std::uint64_t>(value_)) throw JsonError("integer above 2^63 - 1");
  throw JsonError("expected an integer");
}

std::uint64_t Json::unsigned_integer() const {
  if (const auto* value = std::get_if<std::uint64_t>(&value_)) return *value;
  const std::int64_t value = integer();
  if (value < 0) throw JsonError("expected a non-negative integer");
  return static_cast<std::uint64_t>(value);
}

double Json::number() const {
  if (const auto* value = std::get_if<double>(&value_)) return *value;
  if (const auto* value = std::get_if<std::int64_t>(&value_)) return static_cast<double>(*value);
  if (const auto* value = std::get_if<std::uint64_t>(&value_)) return static_cast<double>(*value);
  throw JsonError("expected a number");
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

}  // namespace ck
