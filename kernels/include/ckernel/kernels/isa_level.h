// The instruction-set level the kernels run at. Every level computes the same bits (the scalar level is
// the reference the others are tested against); higher levels are only faster. The level is the best the
// CPU and OS support, unless the host's kernel tuning chose a lower one (kernel_tuning.h) or the
// environment variable CK_ISA asks for one, so that every level can be exercised on one machine.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "ckernel/kernels/cpu_features.h"

namespace ck::kernels {

// Ordered: each level includes the ones before it.
enum class IsaLevel {
  scalar,      // portable C++
  avx2,        // AVX2 + FMA + F16C
  avx512,      // AVX-512 F, BW, VL, DQ
  avx512vnni,  // plus AVX-512 VNNI and BF16
};

// How many levels there are, from the last one: a new level goes last in IsaLevel and is named here
// (isa_level.cpp does not compile until this counts it).
inline constexpr std::size_t kIsaLevelCount = static_cast<std::size_t>(IsaLevel::avx512vnni) + 1;

// Every level, lowest first.
inline constexpr std::array<IsaLevel, kIsaLevelCount> kAllIsaLevels = [] {
  std::array<IsaLevel, kIsaLevelCount> levels{};
  for (std::size_t i = 0; i < kIsaLevelCount; ++i) levels[i] = static_cast<IsaLevel>(i);
  return levels;
}();

std::string_view isa_level_name(IsaLevel level);
std::optional<IsaLevel> parse_isa_level(std::string_view name);

// The best level these CPU features allow.
IsaLevel best_isa_level(const CpuFeatures& features);

// The level the process runs at: CK_ISA if set, else the level of kernel_tuning().isa clamped to what this
// CPU allows (never above best_isa_level), else the best this CPU allows. Decided once, on the first call:
// a set_kernel_tuning after that cannot change it (kernel_tuning.h). Throws std::runtime_error naming the
// problem when CK_ISA is not a level name or asks for more than the CPU has.
IsaLevel active_isa_level();

}  // namespace ck::kernels
