#include "human_text.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace ck::ckctl {

std::string format_bytes(uint64_t bytes) {
  constexpr std::array kUnits{"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string format_token_rate(uint64_t tokens, double seconds) {
  char text[96];
  std::snprintf(text, sizeof text, "%llu tokens in %.3f s (%.1f tok/s)",
                static_cast<unsigned long long>(tokens), seconds,
                static_cast<double>(tokens) / std::max(seconds, 1e-9));
  return text;
}

}  // namespace ck::ckctl
