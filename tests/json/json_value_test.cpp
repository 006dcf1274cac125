// The Json value type: typed access, its errors, and dump() reading back as the same value.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

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

TEST(JsonValue, UnsignedIntegersAbove2To63RoundTripExactly) {
  // ckd's state file holds byte counts and ids as uint64_t: none may wrap to a negative number.
  for (const std::uint64_t value :
       {std::uint64_t{1} << 63, (std::uint64_t{1} << 63) + 1, std::numeric_limits<std::uint64_t>::max() - 1,
        std::numeric_limits<std::uint64_t>::max()}) {
    const Json json(value);
    EXPECT_EQ(json.dump(), std::to_string(value));
    EXPECT_EQ(json.unsigned_integer(), value);
    const Json parsed = Json::parse(json.dump());
    EXPECT_EQ(parsed.unsigned_integer(), value);
    EXPECT_EQ(parsed, json);
    EXPECT_EQ(parsed.number(), static_cast<double>(value));
    EXPECT_THROW(parsed.integer(), JsonError);  // not representable as int64_t
  }
  EXPECT_EQ(Json(std::numeric_limits<std::uint64_t>::max()).dump(), "18446744073709551615");
}

TEST(JsonValue, ANumberEqualsItselfWhicheverIntegerTypeMadeIt) {
  EXPECT_EQ(Json(std::uint64_t{5}), Json(5));
  EXPECT_EQ(Json(std::uint64_t{5}), Json::parse("5"));
  EXPECT_EQ(Json(std::uint64_t{5}).integer(), 5);
  const auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(Json(int64_max), Json(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(Json(int64_max).integer(), std::numeric_limits<std::int64_t>::max());
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
