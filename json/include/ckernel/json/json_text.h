// The pieces of JSON text, for documents written field by field (ckrun's and ckbench's --json output,
// whose member order matters to readers) and for Json::dump.
#pragma once

#include <string>
#include <string_view>

namespace ck {

// A JSON string literal holding `text`. Quote, backslash and control characters (and DEL) are escaped;
// bytes that are not valid UTF-8 become U+FFFD, so the result is always valid JSON in valid UTF-8.
std::string json_quote(std::string_view text);
void append_json_quoted(std::string& out, std::string_view text);

// The shortest text that reads back as the same value; null for infinities and NaN, which JSON lacks.
std::string json_number(double value);
std::string json_number(float value);

}  // namespace ck
