#include "bus_value.h"

#include "exit_status.h"

namespace ck::ckctl {
namespace {

template <typename T>
const T& get(const BusValueMap& values, std::string_view key) {
  const auto it = values.find(key);
  if (it == values.end()) {
    throw CommandError(ExitStatus::server_error, "ckd's reply lacks '" + std::string(key) + "'");
  }
  if (const T* value = std::get_if<T>(&it->second)) return *value;
  throw CommandError(ExitStatus::server_error,
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

Json to_json(const BusValue& value) {
  struct Visitor {
    Json operator()(std::monostate) const { return nullptr; }
    Json operator()(const std::string& text) const { return text; }
    Json operator()(bool flag) const { return flag; }
    Json operator()(int64_t number) const { return number; }
    Json operator()(uint64_t number) const { return number; }
    Json operator()(double number) const { return number; }
    Json operator()(const std::vector<std::string>& texts) const {
      return Json::Array(texts.begin(), texts.end());
    }
  };
  return std::visit(Visitor{}, value);
}

Json to_json(const BusValueMap& values) {
  Json::Object object;
  for (const auto& [key, value] : values) object.emplace(key, to_json(value));
  return object;
}

}  // namespace ck::ckctl
