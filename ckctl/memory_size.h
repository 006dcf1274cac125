// Memory sizes as people write them: 512M, 4G, 1.5GiB, 2000000000.
#pragma once

#include <cstdint>
#include <string_view>

namespace ck::ckctl {

// Bytes in `text`: a decimal number with an optional unit. K, M, G, T and KiB, MiB, GiB, TiB are powers
// of 1024 (as free, cgroups and systemd read them); kB, MB, GB, TB are powers of 1000; B or no unit is
// bytes. Fractions are rounded down to whole bytes. Throws a usage error naming the problem.
uint64_t parse_memory_size(std::string_view text);

}  // namespace ck::ckctl
