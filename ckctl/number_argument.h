// Strict number parsing for command-line values: the whole text must be the number, finite and in range,
// so that "-1" is not read as a huge unsigned value and "4x" is not read as 4.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include "exit_status.h"

namespace ck::ckctl {

template <typename T>
requires std::integral<T> || std::floating_point<T> T parse_number(std::string_view option,
                                                                   std::string_view text,
                                                                   T min = std::numeric_limits<T>::lowest(),
                                                                   T max = std::numeric_limits<T>::max()) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool valid = ec == std::errc{} && end == text.data() + text.size() && value >= min && value <= max;
  if constexpr (std::floating_point<T>) valid = valid && std::isfinite(value);
  if (!valid) {
    std::ostringstream message;
    message << "--" << option << " wants a number from " << +min << " to " << +max << ", not '" << text
            << "'";
    throw usage_error(message.str());
  }
  return value;
}

}  // namespace ck::ckctl
