// The allowed ranges of Generate's options (docs/dbus-api.md): the one definition that ckd
// enforces (InvalidArgument naming the option and its range) and that ckctl checks its arguments against
// before sending. Header-only, because ckctl links no ckd or engine code.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

namespace ck::api {

template <class T>
struct OptionRange {
  const char* option;  // the key in Generate's options
  T min;
  T max;

  // Floating-point values must also be finite: NaN compares false with everything and would slip through.
  bool contains(T value) const {
    if constexpr (std::floating_point<T>) {
      if (!std::isfinite(value)) return false;
    }
    return value >= min && value <= max;
  }
};

// The engine counts generated tokens in an int32 (GenerationOptions::n_predict): more would wrap negative
// and generate nothing.
inline constexpr OptionRange<std::uint32_t> kMaxTokensRange{"max_tokens", 0,
                                                            std::numeric_limits<std::int32_t>::max()};
inline constexpr OptionRange<double> kTemperatureRange{"temperature", 0.0, 100.0};  // 0: greedy
inline constexpr OptionRange<std::int32_t> kTopKRange{"top_k", 0,
                                                      std::numeric_limits<std::int32_t>::max()};  // 0: all
inline constexpr OptionRange<double> kTopPRange{"top_p", 0.0, 1.0};                               // 1: off

}  // namespace ck::api
