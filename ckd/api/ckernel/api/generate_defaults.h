// What Generate does with an option it is not given (docs/dbus-api.md): the API's defaults, which ckd
// applies and ckctl's help shows. They are the engine's own defaults (SamplingParams and
// GenerationOptions); ckd, which sees both, refuses to compile if they part (worker_protocol.cpp).
// Header-only, because ckctl links no ckd or engine code.
#pragma once

#include <cstdint>

namespace ck::api {

inline constexpr std::uint32_t kDefaultMaxTokens = 128;
inline constexpr double kDefaultTemperature = 0.8;
inline constexpr std::int32_t kDefaultTopK = 40;
inline constexpr double kDefaultTopP = 0.95;

}  // namespace ck::api
