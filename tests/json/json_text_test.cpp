// The writer's pieces: json_quote's escaping (always valid JSON in valid UTF-8) and json_number's
// shortest round-tripping numbers.
#include "ckernel/json/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "ckernel/json/json.h"

namespace ck {
namespace {

TEST(JsonText, QuoteEscapesWhatJsonRequires) {
  EXPECT_EQ(json_quote(""), "\"\"");
  EXPECT_EQ(json_quote("plain / text"), "\"plain / text\"");
  EXPECT_EQ(json_quote("\"\\"), R"("\"\\")");
  EXPECT_EQ(json_quote("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(json_quote(std::string("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(json_quote("\xc3\xa9\xe2\x96\x81\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x96\x81\xf0\x9f\x98\x80\"");
}

TEST(JsonText, QuoteReplacesInvalidUtf8) {
  EXPECT_EQ(json_quote("a\xff"
                       "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(json_quote("\xc3"), "\"\xEF\xBF\xBD\"");                  // cut short
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong, byte by byte
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
}

TEST(JsonText, QuotedTextParsesBackToItself) {
  std::string every_ascii_byte;
  for (int c = 0; c < 0x80; ++c) every_ascii_byte += static_cast<char>(c);
  for (const std::string& text : {every_ascii_byte, std::string("\xe2\x96\x81the \xf0\x9f\x98\x80")})
    EXPECT_EQ(Json::parse(json_quote(text)).string(), text);
}

TEST(JsonText, NumbersAreShortestAndReadBackExactly) {
  EXPECT_EQ(json_number(0.1), "0.1");
  EXPECT_EQ(json_number(0.1f), "0.1");
  EXPECT_EQ(json_number(-2.0), "-2");
  EXPECT_EQ(json_number(1e300), "1e+300");
  EXPECT_EQ(json_number(-0.0), "-0");
  EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(json_number(-std::numeric_limits<float>::infinity()), "null");
  for (const float value : {12.345678f, -0.00012207031f, 3.4028235e38f, 1.0e-45f, 16777217.0f}) {
    const std::string text = json_number(value);
    EXPECT_EQ(static_cast<float>(Json::parse(text).number()), value) << text;
  }
}

}  // namespace
}  // namespace ck
