#include "memory_size.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "exit_status.h"

namespace ck::ckctl {
namespace {

struct Unit {
  std::string_view suffix;
  double bytes;
};

constexpr double kKi = 1024.0;
constexpr std::array kUnits{
    Unit{"", 1},
    Unit{"B", 1},
    Unit{"K", kKi},
    Unit{"KiB", kKi},
    Unit{"kB", 1e3},
    Unit{"KB", 1e3},
    Unit{"M", kKi* kKi},
    Unit{"MiB", kKi* kKi},
    Unit{"MB", 1e6},
    Unit{"G", kKi* kKi* kKi},
    Unit{"GiB", kKi* kKi* kKi},
    Unit{"GB", 1e9},
    Unit{"T", kKi* kKi* kKi* kKi},
    Unit{"TiB", kKi* kKi* kKi* kKi},
    Unit{"TB", 1e12},
};

CommandError bad_size(std::string_view text, std::string_view why) {
  return usage_error("bad memory size '" + std::string(text) + "': " + std::string(why) +
                     " (examples: 512M, 4G, 1.5GiB, 2000000000)");
}

}  // namespace

uint64_t parse_memory_size(std::string_view text) {
  const std::string_view trimmed = text.substr(0, text.find_last_not_of(' ') + 1);
  double number = 0;
  const auto [end, ec] =
      std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), number, std::chars_format::fixed);
  if (ec != std::errc{} || !std::isfinite(number)) throw bad_size(text, "expected a number first");
  if (number <= 0) throw bad_size(text, "it must be more than zero");
  std::string_view suffix(end, trimmed.data() + trimmed.size());
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  for (const Unit& unit : kUnits) {
    if (unit.suffix != suffix) continue;
    const double bytes = std::floor(number * unit.bytes);
    if (bytes < 1) throw bad_size(text, "it is less than one byte");
    if (bytes >= 0x1p64) throw bad_size(text, "it does not fit 64 bits");
    return static_cast<uint64_t>(bytes);
  }
  throw bad_size(text, "unknown unit '" + std::string(suffix) + "' (use K, M, G, T, KiB.., kB.., or B)");
}

}  // namespace ck::ckctl
