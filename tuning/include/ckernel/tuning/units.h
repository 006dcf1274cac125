// Byte units and their human-readable form, for sizes in messages ("2 MiB", "1 GiB", "1536 KiB").
#pragma once

#include <cstdint>
#include <string>

namespace ck::tuning {

inline constexpr std::uint64_t kKiB = std::uint64_t{1} << 10;
inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

// The largest binary unit that divides the size exactly, so page sizes read naturally.
std::string format_bytes(std::uint64_t bytes);

}  // namespace ck::tuning
