// The "Key: value kB" lines of /proc/meminfo and of a node's /sys/devices/system/node/nodeN/meminfo
// (whose lines start "Node N "), read in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ck::tuning::detail {

// The value of key: bytes for the size lines ("MemTotal", "Hugepagesize", in kB in the file), the count
// itself for those without a unit ("HugePages_Total"); nothing when no line names it or its value is
// not a number.
std::optional<std::uint64_t> meminfo_bytes(std::string_view text, std::string_view key);

}  // namespace ck::tuning::detail
