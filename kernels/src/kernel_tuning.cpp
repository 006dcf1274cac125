#include "ckernel/kernels/kernel_tuning.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>
#include <string>

#include "isa_decision.h"

namespace ck::kernels {
namespace {

constexpr std::array<std::pair<PrefetchHint, std::string_view>, 4> kHintNames{{
    {PrefetchHint::nta, "nta"},
    {PrefetchHint::t0, "t0"},
    {PrefetchHint::t1, "t1"},
    {PrefetchHint::t2, "t2"},
}};

// Written once at start-up, before any pool or kernel reads it (kernel_tuning.h).
KernelTuning current_tuning;

}  // namespace

std::string_view prefetch_hint_name(PrefetchHint hint) {
  for (const auto& [value, name] : kHintNames)
    if (value == hint) return name;
  return "unknown";
}

std::optional<PrefetchHint> parse_prefetch_hint(std::string_view name) {
  for (const auto& [value, known] : kHintNames)
    if (known == name) return value;
  return std::nullopt;
}

void validate(const KernelTuning& tuning) {
  const std::size_t distance = tuning.prefetch.distance;
  if (distance % kPrefetchLineBytes != 0)
    throw std::invalid_argument("prefetch_distance: must be a multiple of " +
                                std::to_string(kPrefetchLineBytes) + ", not " + std::to_string(distance));
  if (distance > kMaxPrefetchDistance)
    throw std::invalid_argument("prefetch_distance: must be at most " + std::to_string(kMaxPrefetchDistance) +
                                " (1 MiB), not " + std::to_string(distance));
  if (prefetch_hint_name(tuning.prefetch.hint) == "unknown")
    throw std::invalid_argument("prefetch_hint: not a hint (" +
                                std::to_string(static_cast<int>(tuning.prefetch.hint)) + ")");
  const auto spin = tuning.spin.count();
  if (spin < 0 || tuning.spin > kMaxSpin)
    throw std::invalid_argument("spin_us: must be 0 to " + std::to_string(kMaxSpin.count()) +
                                " (100 ms), not " + std::to_string(spin));
  if (std::find(std::begin(kDecodeTileRowChoices), std::end(kDecodeTileRowChoices), tuning.decode_tile_rows) ==
      std::end(kDecodeTileRowChoices))
    throw std::invalid_argument("decode_tile_rows: must be 0 (each kernel's own), 2, 4 or 8, not " +
                                std::to_string(tuning.decode_tile_rows));
  if (tuning.isa && static_cast<std::size_t>(*tuning.isa) >= kIsaLevelCount)
    throw std::invalid_argument("isa: not a level (" + std::to_string(static_cast<int>(*tuning.isa)) + ")");
}

const KernelTuning& kernel_tuning() { return current_tuning; }

void set_kernel_tuning(const KernelTuning& tuning) {
  validate(tuning);
  if (detail::isa_level_decided()) {
    const IsaLevel decided = active_isa_level();
    const IsaLevel wanted = detail::decide_isa_level(tuning.isa);
    if (wanted != decided)
      throw std::logic_error("set_kernel_tuning: the instruction-set level was decided already (" +
                             std::string(isa_level_name(decided)) + "); this tuning would run " +
                             std::string(isa_level_name(wanted)) +
                             " (set the tuning before any kernel runs)");
  }
  current_tuning = tuning;
}

}  // namespace ck::kernels
