// The Json value type: typed access, its errors, and dump() reading back as the same value.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "ckernel/json/json.h"

namespace ck {
namespace {

TEST(JsonValue, RoundTripsEveryKindOfValue) {
  const Json document = Json::Object{{"text", "quote \" backslash \\ newline \n tab \t bell \x07"},
                                     {"big", std::uint64_t{1} << 62},
                                     {"negative", -5},
                                     {"real", 0.25},
                                     {"flag", true},
                                     {"nothing", nullptr},
                                     {"list", Json::Array{1, "two", Json::Object{}}}};
  const Json parsed = Json::parse(document.dump());
  EXPECT_EQ(parsed.dump(), document.dump());
  EXPECT_EQ(parsed, document);
  EXPECT_EQ(parsed.at("big").unsigned_integer(), std::uint64_t{1} << 62);
  EXPECT_EQ(parsed.at("text").string(), "quote \" backslash \\ newline \n tab \t bell \x07");
  EXPECT_EQ(parsed.at("list").array().size(), 3u);
}

TEST(JsonValue, DumpsCompactTextWithMembersInKeyOrder) {
  const Json document =
      Json::Object{{"b", Json::Array{1, 2.5, "x", false}}, {"a", nullptr}, {"c", Json::Array{}}};
  EXPECT_EQ(document.dump(), R"({"a": null, "b": [1, 2.5, "x", false], "c": []})");
  EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "null");
  EXPECT_EQ(Json("\xff").dump(), "\"\xEF\xBF\xBD\"");  // so that the document always parses
}

TEST(JsonValue, DoublesReadBackExactly) {
  for (const double value : {0.1, 1.0 / 3.0, -2.5e-300, 1.7976931348623157e308, 4.9e-324, 123456789.0}) {
    EXPECT_EQ(Json::parse(Json(value).dump()).number(), value) << Json(value).dump();
  }
}

TEST(JsonValue, TypedAccessSaysWhatWasExpected) {
  const Json value = Json::parse(R"({"n": -1, "s": "x"})");
  EXPECT_THROW(value.at("s").integer(), JsonError);
  EXPECT_THROW(value.at("n").unsigned_integer(), JsonError);
  try {
    value.at("missing");
    FAIL();
  } catch (const JsonError& e) {
    EXPECT_STREQ(e.what(), "missing member \"missing\"");
  }
  const auto message = [](auto access) -> std::string {
    try {
      access();
    } catch (const JsonError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message([&] { value.at("s").number(); }), "expected a number");
  EXPECT_EQ(message([&] { value.at("s").boolean(); }), "expected true or false");
  EXPECT_EQ(message([&] { value.at("n").string(); }), "expected a string");
  EXPECT_EQ(message([&] { value.at("n").array(); }), "expected an array");
  EXPECT_EQ(message([&] { value.at("n").at("key"); }), "expected an object");
  EXPECT_EQ(value.at("n").number(), -1.0);  // an integer is a number too
}

}  // namespace
}  // namespace ck
