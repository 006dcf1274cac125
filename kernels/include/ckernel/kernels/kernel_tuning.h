// Kernel parameters that are a property of the host, not of the arithmetic: how far ahead and with which
// hint the weights are prefetched, how long an idle pool thread spins before it sleeps, and which
// instruction-set level runs. They differ by microarchitecture (prefetcher depth, pause latency, memory
// latency) and by host (memory bandwidth, other tenants), so `cktune kernels` measures them once per host
// and stores them as kernel wisdom (engine/kernel_wisdom.h); the tools and ckd's workers apply it at start.
// Every value changes scheduling and memory traffic only: outputs are bitwise identical whatever is set.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "ckernel/kernels/isa_level.h"

namespace ck::kernels {

// The locality hint of a software prefetch (_mm_prefetch): nta brings a line in without letting it evict
// what stays in L2/L3 (weights streamed once per token), t0/t1/t2 into every level from L1/L2/L3 out.
enum class PrefetchHint { nta, t0, t1, t2 };

std::string_view prefetch_hint_name(PrefetchHint hint);
std::optional<PrefetchHint> parse_prefetch_hint(std::string_view name);

// How the matrix products prefetch the weight rows ahead of the ones they compute (dot_x86_tiles.h says
// why they must). The one home of these defaults: 8 KiB, non-temporal, what streamed best on the Zen 5
// development machine.
struct WeightPrefetch {
  std::size_t distance = 8192;  // bytes ahead; 0: no software prefetch (the hardware prefetchers only)
  PrefetchHint hint = PrefetchHint::nta;

  friend bool operator==(const WeightPrefetch&, const WeightPrefetch&) = default;
};

// The bounds validate() enforces.
inline constexpr std::size_t kPrefetchLineBytes = 64;          // a distance is whole cache lines
inline constexpr std::size_t kMaxPrefetchDistance = 1 << 20;   // far beyond any latency x bandwidth
inline constexpr std::chrono::microseconds kMaxSpin{100'000};  // longer only burns a core per idle pool
inline constexpr int kDecodeTileRowChoices[] = {0, 2, 4, 8};    // the tiles that are compiled

struct KernelTuning {
  WeightPrefetch prefetch;
  // How long a waiting pool thread polls before it sleeps on a futex: longer than the gap between two
  // sections of a forward pass keeps a busy pool awake (a futex wake-up costs microseconds per section),
  // shorter frees an idle core sooner. A time, not a poll count: a pause takes ~140 cycles on recent Intel
  // cores and ~26 ns on Zen 4. 100 us was the old 4096 polls on the Zen 4 development VM.
  std::chrono::microseconds spin{100};
  // Weight rows per register tile in decode (one token): 0, each kernel's own (4 for the quantized ones),
  // else 2, 4 or 8. More rows side by side are more independent chains and more streams at once; fewer
  // leave the prefetches more room. Which wins depends on the core's out-of-order window and load queue.
  int decode_tile_rows = 0;
  // The instruction-set level to run at, clamped to what the CPU supports; unset: the best. A lower level
  // can win where the wider one throttles the clock. CK_ISA, when set, overrides it (isa_level.h).
  std::optional<IsaLevel> isa;

  friend bool operator==(const KernelTuning&, const KernelTuning&) = default;
};

// Throws std::invalid_argument naming the field and the bound for values out of range: the prefetch
// distance must be a multiple of 64 and at most 1 MiB, the spin 0 to 100 ms. The one home of these
// checks: set_kernel_tuning and the kernel wisdom parser both call it.
void validate(const KernelTuning& tuning);

// The tuning in effect: the defaults above until set_kernel_tuning.
const KernelTuning& kernel_tuning();

// Start-up only: call before the first ThreadPool is made and the first kernel runs (pools read the spin
// when they are constructed, matrix products read the prefetch on every call, and nothing guards a
// concurrent change). The instruction-set level is decided once per process (active_isa_level()): once
// it has been, a tuning whose isa would decide another level throws std::logic_error and changes
// nothing; one that decides the same level is fine. Throws std::invalid_argument as validate() does.
void set_kernel_tuning(const KernelTuning& tuning);

}  // namespace ck::kernels
