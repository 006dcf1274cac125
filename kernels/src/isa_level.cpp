#include "ckernel/kernels/isa_level.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "ckernel/kernels/kernel_tuning.h"
#include "isa_decision.h"

namespace ck::kernels {
namespace {

// Set once active_isa_level() has decided: from then on a tuning may not ask for another level.
std::atomic<bool> level_decided{false};

constexpr std::string_view level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::scalar:
      return "scalar";
    case IsaLevel::avx2:
      return "avx2";
    case IsaLevel::avx512:
      return "avx512";
    case IsaLevel::avx512vnni:
      return "avx512vnni";
  }
  return "unknown";
}

// The one past the last level has no name: a level added after avx512vnni fails here until
// kIsaLevelCount counts it.
static_assert(level_name(static_cast<IsaLevel>(kIsaLevelCount - 1)) != "unknown" &&
              level_name(static_cast<IsaLevel>(kIsaLevelCount)) == "unknown");

}  // namespace

std::string_view isa_level_name(IsaLevel level) { return level_name(level); }

std::optional<IsaLevel> parse_isa_level(std::string_view name) {
  for (IsaLevel level : kAllIsaLevels)
    if (isa_level_name(level) == name) return level;
  return std::nullopt;
}

IsaLevel best_isa_level(const CpuFeatures& f) {
  if (!(f.avx2 && f.fma && f.f16c)) return IsaLevel::scalar;
  if (!(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq)) return IsaLevel::avx2;
  if (!(f.avx512_vnni && f.avx512_bf16)) return IsaLevel::avx512;
  return IsaLevel::avx512vnni;
}

namespace detail {

IsaLevel decide_isa_level(std::optional<IsaLevel> preferred) {
  const IsaLevel best = best_isa_level(detect_cpu_features());
  const char* requested = std::getenv("CK_ISA");
  if (requested == nullptr || *requested == '\0') return preferred ? std::min(*preferred, best) : best;
  const std::optional<IsaLevel> level = parse_isa_level(requested);
  if (!level)
    throw std::runtime_error(std::string("CK_ISA=") + requested +
                             " is not an instruction-set level; use scalar, avx2, avx512 or avx512vnni");
  if (*level > best)
    throw std::runtime_error(std::string("CK_ISA=") + requested + " asks for more than this CPU has (best: " +
                             std::string(isa_level_name(best)) + ")");
  return *level;
}

bool isa_level_decided() { return level_decided.load(); }

}  // namespace detail

IsaLevel active_isa_level() {
  static const IsaLevel level = [] {
    const IsaLevel decided = detail::decide_isa_level(kernel_tuning().isa);
    level_decided.store(true);
    return decided;
  }();
  return level;
}

}  // namespace ck::kernels
