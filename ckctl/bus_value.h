// Values that travel in ckd's a{sv} dictionaries, in both directions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ckernel/json/json.h"

namespace ck::ckctl {

// What ckctl reads from a variant: integers widen to 64 bits, object paths and signatures are strings,
// arrays of strings or paths are string lists; anything else is monostate (skipped).
using BusValue =
    std::variant<std::monostate, std::string, bool, int64_t, uint64_t, double, std::vector<std::string>>;
using BusValueMap = std::map<std::string, BusValue, std::less<>>;

// What ckctl sends: each alternative is one D-Bus type (s, u, t, i, d), as the API doc types each option.
using OptionValue = std::variant<std::string, uint32_t, uint64_t, int32_t, double>;
using CallOptions = std::vector<std::pair<std::string, OptionValue>>;

// Typed look-ups that say which key was missing or of another type.
std::string string_of(const BusValueMap& values, std::string_view key);
uint64_t unsigned_of(const BusValueMap& values, std::string_view key);
double double_of(const BusValueMap& values, std::string_view key);
std::vector<std::string> strings_of(const BusValueMap& values, std::string_view key);

// The value as JSON (monostate becomes null).
Json to_json(const BusValue& value);
// The whole map as one JSON object.
Json to_json(const BusValueMap& values);

}  // namespace ck::ckctl
