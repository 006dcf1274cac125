// cktune kernels: the command line around kernel_probe.h. Measures, writes the wisdom file atomically,
// and with --if-stale does nothing when the file is already this host's and this version's.
#pragma once

#include <boost/program_options.hpp>
#include <string>

namespace ck::tuning::cktune {

// An option left out (a value no one can give: the checks refuse anything below 1).
inline constexpr int kNotGiven = -1'000'000;

struct KernelsArguments {
  std::string output;  // empty: wisdom_path()
  bool if_stale = false;
  bool quick = false;
  int rounds = kNotGiven;   // 5, or 3 with --quick
  int threads = kNotGiven;  // every CPU the process may run on
  int time_limit = kNotGiven;  // seconds; not given: none
  bool json = false;
};

// What `cktune kernels --help` teaches.
inline constexpr const char* kKernelsSummary =
    "Measures, on this host, the kernel parameters that change speed but never results, and writes them\n"
    "as kernel wisdom (as FFTW keeps its own) for ckrun, ckbench and ckd's workers, which apply it at "
    "start.\n"
    "\n"
    "What is measured, one parameter after another, on synthetic weights shaped like a decode step of a\n"
    "0.34B llama (layers of Q8_0 and of Q4_K_M's Q4_K and Q6_K, at least 192 MiB and 4x the last-level\n"
    "cache, so they stream from memory):\n"
    "  isa                   the instruction-set level (a wider one can lose where it slows the clock);\n"
    "                        each level runs in a child process, as a process decides its level once\n"
    "  prefetch_distance     how far ahead weight rows are prefetched (memory latency x bandwidth)\n"
    "  prefetch_hint         nta, t0 or t1: whether streamed weights may push other data out of L2/L3\n"
    "  decode_tile_rows      weight rows side by side in a decode tile: the kernel's own, 2 or 8\n"
    "  spin_us               how long idle pool threads spin before they sleep (a pause costs ~5x more\n"
    "                        on recent Intel cores than on Zen)\n"
    "  weights_on_hugepages  whether weights stream faster from 2 MiB pages than from 4 KiB ones (as\n"
    "                        root, pages are reserved for the run and given back)\n"
    "Each in rounds that alternate the candidates; a candidate replaces the default only when it is more\n"
    "than 3% faster (the mean of its 1-thread and N-thread weight GB/s, medians over the rounds; for isa\n"
    "also a prefill's GFLOP/s). The outputs of the kernels are bitwise identical whatever is chosen.\n"
    "With --time-limit, what is not measured by then keeps its default, and the file says so.\n"
    "\n"
    "Where it goes: --output, else $CK_KERNEL_WISDOM, else /var/lib/ckernel/kernel-wisdom.json (0644),\n"
    "with this CPU's identity (vendor, family, model, stepping, name, logical CPUs): wisdom of another\n"
    "CPU is ignored. ckrun and ckbench read $CK_KERNEL_WISDOM or that path (CK_KERNEL_WISDOM=none: the\n"
    "defaults); ckd reads <state-dir>/kernel-wisdom.json and passes it to its workers. ckd's unit runs\n"
    "'cktune kernels --if-stale --quick --time-limit 30' before ckd starts: measured once, instant\n"
    "afterwards.\n"
    "\n"
    "How long: about a minute on 2 cores, under 15 s with --quick. Progress lines go to stderr; the\n"
    "chosen values to stdout (--json: the whole document written).";

void add_kernels_options(boost::program_options::options_description& options, KernelsArguments& arguments);

// Returns the exit status; throws UsageError for bad values, std::exception when it cannot measure or write.
int run_kernels(const KernelsArguments& arguments);

}  // namespace ck::tuning::cktune
