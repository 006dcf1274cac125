#include "bus_value.h"

#include "exit_status.h"
#include "json_output.h"

namespace ck::ckctl {
namespace {

template <typename T>
const T& get(const BusValueMap& values, std::string_view key) {
  const auto it = values.find(key);
  if (it == values.end()) {
    throw CommandError(ExitStatus::kServerError, "ckd's reply lacks '" + std::string(key) + "'");
  }
  if (const T* value = std::get_if<T>(&it->second)) return *value;
  throw CommandError(ExitStatus::kServerError,
                     "ckd's reply has '" + std::string(key) + "' of an unexpected type");
}

}  // namespace

std::string string_of(const BusValueMap& values, std::string_view key) {
  return get<std::string>(values, key);
}

uint64_t unsigned_of(const BusValueMap& values, std::string_view key) { return get<uint64_t>(values, key); }

double double_of(const BusValueMap& values, std::string_view key) { return get<double>(values, key); }

std::vector<std::string> strings_of(const BusValueMap& values, std::string_view key) {
  return get<std::vector<std::string>>(values, key);
}

std::string to_json(const BusValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(const std::string& text) const { return json_string(text); }
    std::string operator()(bool flag) const { return flag ? "true" : "false"; }
    std::string operator()(int64_t number) const { return std::to_string(number); }
    std::string operator()(uint64_t number) const { return std::to_string(number); }
    std::string operator()(double number) const { return json_number(number); }
    std::string operator()(const std::vector<std::string>& texts) const {
      std::vector<std::string> elements;
      for (const std::string& text : texts) elements.push_back(json_string(text));
      return json_array(elements);
    }
  };
  return std::visit(Visitor{}, value);
}

std::string to_json(const BusValueMap& values) {
  JsonObject object;
  for (const auto& [key, value] : values) object.add_json(key, to_json(value));
  return object.str();
}

}  // namespace ck::ckctl
