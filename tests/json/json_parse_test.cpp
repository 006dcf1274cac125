// Json::parse: what RFC 8259 allows is read, everything else is refused with the position of the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "ckernel/json/json.h"

namespace ck {
namespace {

// The message of the JsonError that parsing `text` throws, or "" when it parses.
std::string parse_error(std::string_view text) {
  try {
    Json::parse(text);
  } catch (const JsonError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonParse, ReadsEveryKindOfValue) {
  const Json value = Json::parse(
      " \t\r\n{\"s\": \"x\", \"i\": -12, \"d\": 2.5e-1, \"t\": true, \"f\": false,"
      " \"n\": null, \"a\": [], \"o\": {}} \n");
  EXPECT_EQ(value.at("s").string(), "x");
  EXPECT_EQ(value.at("i").integer(), -12);
  EXPECT_EQ(value.at("d").number(), 0.25);
  EXPECT_TRUE(value.at("t").boolean());
  EXPECT_FALSE(value.at("f").boolean());
  EXPECT_EQ(value.at("n"), Json(nullptr));
  EXPECT_TRUE(value.at("a").array().empty());
  EXPECT_TRUE(value.at("o").object().empty());
  EXPECT_EQ(Json::parse("7").integer(), 7);  // any value may be the document
}

TEST(JsonParse, DecodesUnicodeEscapesToUtf8) {
  EXPECT_EQ(Json::parse(R"("\u00e9\ud83d\ude00")").string(), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(Json::parse(R"("\"\\\/\b\f\n\r\t\u0000")").string(), std::string("\"\\/\b\f\n\r\t\0", 9));
  EXPECT_EQ(Json::parse("\"\xe2\x96\x81 raw UTF-8\"").string(), "\xe2\x96\x81 raw UTF-8");
}

TEST(JsonParse, IntegersStayExactAndOthersAreDoubles) {
  EXPECT_EQ(Json::parse("9223372036854775807").integer(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(Json::parse("-9223372036854775808").integer(), std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(std::signbit(Json::parse("-0").number()));  // an integer would lose the sign
  // Above 2^63 - 1 up to 2^64 - 1 an integer is still exact, but only as unsigned.
  EXPECT_EQ(Json::parse("9223372036854775808").unsigned_integer(), std::uint64_t{1} << 63);
  EXPECT_EQ(Json::parse("9223372036854775808").number(), 9223372036854775808.0);
  EXPECT_THROW(Json::parse("9223372036854775808").integer(), JsonError);
  EXPECT_EQ(Json::parse("18446744073709551615").unsigned_integer(),
            std::numeric_limits<std::uint64_t>::max());
  // Beyond 64 bits a number is a double, like one with a fraction or an exponent.
  EXPECT_EQ(Json::parse("18446744073709551616").number(), 18446744073709551616.0);
  EXPECT_THROW(Json::parse("18446744073709551616").unsigned_integer(), JsonError);
  EXPECT_EQ(Json::parse("-9223372036854775809").number(), -9223372036854775808.0);
  EXPECT_THROW(Json::parse("-9223372036854775809").integer(), JsonError);
  EXPECT_THROW(Json::parse("1.0").integer(), JsonError);
  EXPECT_EQ(Json::parse("1E2").number(), 100.0);
  EXPECT_EQ(Json::parse("-0.5e+1").number(), -5.0);
}

TEST(JsonParse, NamesTheOffsetOfMalformedInput) {
  try {
    Json::parse(R"({"a": [1, 2,]})");
    FAIL() << "accepted a trailing comma";
  } catch (const JsonError& e) {
    EXPECT_NE(std::string(e.what()).find("offset 12"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Json::parse("{\"a\": 1} extra"), JsonError);
  EXPECT_THROW(Json::parse("\"unterminated"), JsonError);
  EXPECT_THROW(Json::parse(std::string(100, '[')), JsonError);
}

TEST(JsonParse, NamesLineAndColumnToo) {
  EXPECT_EQ(parse_error("{\"a\": 1,\n  \"b\": 2\n  ]"),
            "JSON at line 3, column 3 (offset 20): expected ',' or '}' in an object");
}

TEST(JsonParse, RefusesWhatTheGrammarDoesNotAllow) {
  const struct {
    std::string_view text;
    std::string_view problem;
    std::size_t offset;
  } cases[] = {
      {"", "unexpected end of the document, expected a value", 0},
      {"  ", "unexpected end of the document, expected a value", 2},
      {"[1, 2", "expected ',' or ']' in an array", 5},
      {"[1 2]", "expected ',' or ']' in an array", 3},
      {"{\"a\": 1,}", "expected a member name in double quotes", 8},
      {"{a: 1}", "expected a member name in double quotes", 1},
      {"{\"a\" 1}", "expected ':' after a member name", 5},
      {"{\"a\": 1 \"b\": 2}", "expected ',' or '}' in an object", 8},
      {"{\"a\": 1, \"a\": 2}", "duplicate member \"a\"", 9},
      {"{} {}", "unexpected text after the document", 3},
      {"\xef\xbb\xbf{}", "expected a value", 0},  // a byte order mark
      {"tru", "expected a value", 0},
      {"nul", "expected a value", 0},
      {"True", "expected a value", 0},
      {"NaN", "expected a value", 0},
      {"Infinity", "expected a value", 0},
      {"'x'", "expected a value", 0},
      {"+1", "expected a value", 0},
      {".5", "expected a value", 0},
      {"-", "expected a digit", 1},
      {"-x", "expected a digit", 1},
      {"01", "a number must not start with 0 followed by digits", 0},
      {"-00", "a number must not start with 0 followed by digits", 0},
      {"1.", "expected a digit after the decimal point", 2},
      {"1.e5", "expected a digit after the decimal point", 2},
      {"1e", "expected a digit in the exponent", 2},
      {"1e+", "expected a digit in the exponent", 3},
      {"0x10", "unexpected text after the document", 1},
      {"1e999", "number out of range", 0},
      {"[-1e400]", "number out of range", 1},
      {"1e-400", "number out of range", 0},  // would read as 0
      {"\"abc", "unterminated string", 0},
      {"\"a\nb\"", "control character in a string (it must be escaped)", 2},
      {"\"\t\"", "control character in a string (it must be escaped)", 1},
      {"\"\\x\"", "invalid escape", 1},
      {"\"\\", "unterminated escape", 1},
      {"\"\\u12\"", "\\u needs four hexadecimal digits", 1},
      {"\"\\u12g4\"", "\\u needs four hexadecimal digits", 1},
      {"\"\\ud83d\"", "unpaired high surrogate", 1},
      {"\"\\ud83d\\u0041\"", "unpaired high surrogate", 1},
      {"\"\\ude00\"", "unpaired low surrogate", 1},
      {"\"\xff\"", "invalid UTF-8 in a string", 1},
      {"\"\xc3\"", "invalid UTF-8 in a string", 1},              // cut short by the quote
      {"\"\xc0\xaf\"", "invalid UTF-8 in a string", 1},          // overlong "/"
      {"\"\xed\xa0\x80\"", "invalid UTF-8 in a string", 1},      // an encoded surrogate
      {"\"\xf4\x90\x80\x80\"", "invalid UTF-8 in a string", 1},  // above U+10FFFF
      {"\xc3\xa9", "expected a value", 0},                       // UTF-8 outside a string
  };
  for (const auto& c : cases) {
    const std::string expected = "(offset " + std::to_string(c.offset) + "): " + std::string(c.problem);
    const std::string error = parse_error(c.text);
    EXPECT_TRUE(error.ends_with(expected))
        << "input '" << c.text << "': got '" << error << "', expected '..." << expected << "'";
  }
}

TEST(JsonParse, LimitsTheNesting) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_NO_THROW(Json::parse(nested(Json::kMaxDepth)));
  EXPECT_EQ(parse_error(nested(Json::kMaxDepth + 1)),
            "JSON at line 1, column 65 (offset 64): nesting deeper than 64 levels");
  // Deep hostile input fails at the limit instead of exhausting the stack.
  EXPECT_THROW(Json::parse(std::string(1 << 20, '[')), JsonError);
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_THROW(Json::parse(objects), JsonError);
}

TEST(JsonParse, FileErrorsNameTheFile) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("ck_json_test_" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << "{\"a\": [1, 2]}";
  EXPECT_EQ(Json::parse_file(file).at("a").array().size(), 2u);
  std::ofstream(file) << "{\"a\": [1, 2}";
  try {
    Json::parse_file(file);
    FAIL() << "accepted a mismatched bracket";
  } catch (const JsonError& e) {
    EXPECT_EQ(e.what(),
              file.string() + ": JSON at line 1, column 12 (offset 11): expected ',' or ']' in an array");
  }
  std::filesystem::remove(file);
  try {
    Json::parse_file(file);
    FAIL() << "read a missing file";
  } catch (const JsonError& e) {
    EXPECT_EQ(e.what(), file.string() + ": cannot be read");
  }
}

}  // namespace
}  // namespace ck
