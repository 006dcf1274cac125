#include <gtest/gtest.h>

#include "json_value.h"

namespace ckernel::daemon {
namespace {

TEST(DaemonJson, RoundTripsEveryKindOfValue) {
  const Json document = Json::Object{{"text", "quote \" backslash \\ newline \n tab \t bell \x07"},
                                     {"big", std::uint64_t{1} << 62},
                                     {"negative", -5},
                                     {"real", 0.25},
                                     {"flag", true},
                                     {"nothing", nullptr},
                                     {"list", Json::Array{1, "two", Json::Object{}}}};
  const Json parsed = Json::parse(document.dump());
  EXPECT_EQ(parsed.dump(), document.dump());
  EXPECT_EQ(parsed.at("big").unsigned_integer(), std::uint64_t{1} << 62);
  EXPECT_EQ(parsed.at("text").string(), "quote \" backslash \\ newline \n tab \t bell \x07");
  EXPECT_EQ(parsed.at("list").array().size(), 3u);
}

TEST(DaemonJson, DecodesUnicodeEscapesToUtf8) {
  EXPECT_EQ(Json::parse(R"("\u00e9\ud83d\ude00")").string(), "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(DaemonJson, NamesTheOffsetOfMalformedInput) {
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

TEST(DaemonJson, TypedAccessSaysWhatWasExpected) {
  const Json value = Json::parse(R"({"n": -1, "s": "x"})");
  EXPECT_THROW(value.at("s").integer(), JsonError);
  EXPECT_THROW(value.at("n").unsigned_integer(), JsonError);
  try {
    value.at("missing");
    FAIL();
  } catch (const JsonError& e) {
    EXPECT_STREQ(e.what(), "missing member \"missing\"");
  }
}

}  // namespace
}  // namespace ckernel::daemon
