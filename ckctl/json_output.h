// JSON text for --json output. Objects are built field by field; nested values are passed as JSON text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ck::ckctl {

// A JSON string literal. Bytes that are not valid UTF-8 become U+FFFD so the document always parses.
std::string json_string(std::string_view text);
std::string json_number(double value);
// Each element must already be JSON text.
std::string json_array(const std::vector<std::string>& elements);

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view text);
  // Without this, a string literal would convert to bool and pick add(key, bool).
  JsonObject& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  JsonObject& add(std::string_view key, uint64_t number);
  JsonObject& add(std::string_view key, int64_t number);
  JsonObject& add(std::string_view key, double number);
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add_json(std::string_view key, std::string_view json_text);
  std::string str() const { return "{" + fields_ + "}"; }

 private:
  std::string fields_;
};

}  // namespace ck::ckctl
