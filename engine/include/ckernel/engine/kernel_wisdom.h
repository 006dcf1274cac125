// Kernel wisdom, as FFTW keeps its own: the kernel tuning (kernels/kernel_tuning.h) measured on this host
// by `cktune kernels`, stored with the identity of the CPU it was measured on, and applied at start by
// ckrun, ckbench and ckd's workers. Wisdom measured on another CPU (another model, stepping or number of
// logical CPUs) is not used: the defaults are, with the reason. A missing or broken file is never an
// error: the kernels compute the same bits with any tuning, only at another speed.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/json/json.h"
#include "ckernel/kernels/kernel_tuning.h"

namespace ck {

// ckernel's state directory as installed: ckd's default state_dir, and where the host's wisdom lives.
inline constexpr char kStateDirectory[] = "/var/lib/ckernel";
inline constexpr char kWisdomFileName[] = "kernel-wisdom.json";
// Where `cktune kernels` writes and the tools read by default: kStateDirectory/kWisdomFileName, the file
// ckd reads as <state_dir>/kernel-wisdom.json.
std::filesystem::path default_wisdom_path();
// CK_KERNEL_WISDOM=none: no wisdom, the defaults.
inline constexpr char kWisdomDisabled[] = "none";

// The environment variable CK_KERNEL_WISDOM if set (a path, or "none"), else default_wisdom_path().
std::filesystem::path wisdom_path();

// This ckernel's version, as wisdom records it.
std::string_view ckernel_version();

// What identifies a CPU for wisdom, from /proc/cpuinfo (its first processor block; logical_cpus counts
// the "processor" lines). The one place in the tree that reads these.
struct HostCpu {
  std::string vendor;      // vendor_id: GenuineIntel, AuthenticAMD
  std::string model_name;  // model name
  std::string microcode;   // reported, not matched: an update changes no tuning worth re-measuring
  int family = 0;
  int model = 0;
  int stepping = 0;
  int logical_cpus = 0;

  friend bool operator==(const HostCpu&, const HostCpu&) = default;
};

HostCpu parse_cpuinfo(std::string_view text);
HostCpu this_host_cpu();
// Same vendor, family, model, stepping, model name and logical CPU count: wisdom of one applies to the
// other.
bool same_cpu_identity(const HostCpu& a, const HostCpu& b);
// "AMD EPYC 9R45 (AuthenticAMD family 26 model 2 stepping 1, 2 logical CPUs)"
std::string describe(const HostCpu& cpu);

// One candidate of a measured parameter: medians over the rounds, GB/s of weights streamed by a decode
// step at 1 thread and at `threads`; score = mean of the two relative to the default's (1 = as fast).
// The instruction-set level also measures a prefill's products on 1 thread (GFLOP/s), which then weighs
// half the score; 0 elsewhere.
struct CandidateRate {
  std::string value;  // as the tuning member writes it: "8192", "nta", "avx2", "yes"
  double gbs_one_thread = 0;
  double gbs_threads = 0;
  double score = 0;
  double prefill_gflops = 0;
};

struct ParameterMeasurement {
  std::string parameter;  // isa, prefetch_distance, prefetch_hint, spin_us, weights_on_hugepages
  std::string chosen;
  std::vector<CandidateRate> candidates;
};

// What `cktune kernels` measured, for people reading the file; nothing reads it back for a decision.
struct WisdomMeasurements {
  int rounds = 0;
  int threads = 0;
  double weight_mib = 0;       // synthetic weights streamed per decode step
  double seconds = 0;          // the whole measurement
  std::string hugepages_note;  // how the huge page candidate was had, or why it was not
  std::string note;            // "" when every parameter was measured, else what was not and why
  std::vector<ParameterMeasurement> parameters;
};

struct KernelWisdom {
  static constexpr int kFormat = 1;
  int format = kFormat;
  HostCpu cpu;
  std::string ckernel_version;
  std::string measured_at;  // UTC, ISO 8601: 2026-12-04T10:15:00Z
  kernels::KernelTuning tuning;
  // Whether decode streamed faster from 2 MiB huge pages than from 4 KiB pages (ckd copies weights into
  // huge pages only then, when its hugepages setting is auto; ckbench --memory auto likewise).
  bool weights_on_hugepages = false;
  WisdomMeasurements measurements;
};

class WisdomError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// JSON, one member per line (the measurements one parameter per line).
std::string format_kernel_wisdom(const KernelWisdom& wisdom);
// Throws WisdomError naming the member and the problem ("kernel wisdom: tuning.prefetch_distance: must be
// a multiple of 64, not 100"): not JSON, an unknown format, a missing member, a wrong type, a value out
// of range (kernels::validate's bounds).
KernelWisdom parse_kernel_wisdom(std::string_view text);

// What a process runs with, and why.
struct WisdomUse {
  enum class Source { wisdom, defaults };
  Source source = Source::defaults;
  // Why the defaults, or notes on the wisdom used (measured by another ckernel version, other microcode).
  std::string reason;
  std::filesystem::path path;
  std::optional<KernelWisdom> wisdom;  // set when source is wisdom

  // The tuning this use stands for: the wisdom's, or the defaults.
  kernels::KernelTuning tuning() const { return wisdom ? wisdom->tuning : kernels::KernelTuning{}; }
};

// Never throws: a missing, unreadable or broken file, or wisdom of another CPU, gives the defaults and the
// reason. The path "none" (kWisdomDisabled) disables wisdom.
WisdomUse load_kernel_wisdom(const std::filesystem::path& path);

// set_kernel_tuning with the wisdom's tuning (nothing for the defaults). Start-up only, before anything
// decides the instruction-set level (kernel_tuning.h).
void apply_kernel_wisdom(const WisdomUse& use);

// One line for stats and status: "wisdom (/var/lib/ckernel/kernel-wisdom.json, 2026-12-04T10:15:00Z):
// prefetch 8192 B nta, spin 100 us, isa avx2, weights on huge pages" or "defaults (no file at ...; run
// 'cktune kernels'): prefetch 8192 B nta, spin 100 us, isa best".
std::string describe(const WisdomUse& use);
// "prefetch 8192 B nta, spin 100 us, isa avx2" ("isa best" when unset).
std::string describe(const kernels::KernelTuning& tuning);
// The same for scripts, as ckd's status, ckrun --json and ckbench --json report it: {"source": "wisdom" or
// "defaults", "reason", "path", "prefetch_distance", "prefetch_hint", "spin_us", "decode_tile_rows", "isa"
// ("best" when unset), "weights_on_hugepages" (null without wisdom: not measured), "summary": describe(use)}.
Json::Object describe_json(const WisdomUse& use);

}  // namespace ck
