// Minimal JSON text helpers for ckrun's machine-readable output.
#pragma once

#include <string>
#include <string_view>

namespace ck::tools {

// A JSON string literal; invalid UTF-8 becomes U+FFFD (text_hex fields carry the exact bytes).
std::string json_quote(std::string_view text);
// Lower-case hex of the bytes.
std::string hex(std::string_view bytes);
// A float that reads back to the same value.
std::string json_number(float value);

}  // namespace ck::tools
