#include "kernels_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <system_error>

#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/tuning/atomic_file.h"
#include "ckernel/tuning/topology.h"
#include "command_errors.h"
#include "kernel_probe.h"

namespace ck::tuning::cktune {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

constexpr int kMaxRounds = 100;
constexpr int kMaxTimeLimit = 3600;  // an hour: beyond it, a typo
// Read by the workers' user (group ckernel) and by anyone running ckrun: nothing in it is secret.
constexpr mode_t kWisdomMode = 0644;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Why the file must be measured again, or nothing when it is this host's and this version's.
std::optional<std::string> why_stale(const fs::path& output) {
  const WisdomUse use = load_kernel_wisdom(output);
  if (use.source == WisdomUse::Source::defaults) return use.reason;
  if (use.wisdom->ckernel_version != ckernel_version())
    return "measured by ckernel " + use.wisdom->ckernel_version + ", this is " +
           std::string(ckernel_version());
  return std::nullopt;
}

// Before a minute of measuring: can a file be made where the wisdom goes?
void check_writable(const fs::path& output) {
  const fs::path directory = output.parent_path().empty() ? fs::path(".") : output.parent_path();
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw std::runtime_error("cannot write " + output.string() + ": " + error.message());
  const fs::path probe = output.string() + ".tmp";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + output.string() + ": " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void add_kernels_options(po::options_description& options, KernelsArguments& a) {
  options.add_options()("output", po::value(&a.output)->value_name("PATH"),
                        "where the wisdom goes (default: $CK_KERNEL_WISDOM, else "
                        "/var/lib/ckernel/kernel-wisdom.json)")(
      "if-stale", po::bool_switch(&a.if_stale),
      "do nothing when the file exists, parses, and was measured on this CPU by this ckernel")(
      "quick", po::bool_switch(&a.quick), "fewer rounds and candidates: under 15 s (package boots, tests)")(
      "rounds", po::value(&a.rounds)->value_name("N"),
      "rounds per parameter, 1 to 100 (default 5, 3 with --quick)")(
      "threads", po::value(&a.threads)->value_name("N"),
      "the N of the N-thread rate (default: every CPU this process may run on)")(
      "time-limit", po::value(&a.time_limit)->value_name("SECONDS"),
      "stop measuring after this long, 1 to 3600; what is not measured keeps its default (default: none)")(
      "json", po::bool_switch(&a.json), "print the document written");
}

int run_kernels(const KernelsArguments& a) {
  if (a.rounds != kNotGiven && (a.rounds < 1 || a.rounds > kMaxRounds))
    throw UsageError("--rounds must be 1 to " + std::to_string(kMaxRounds) + ", not " +
                     std::to_string(a.rounds));
  if (a.time_limit != kNotGiven && (a.time_limit < 1 || a.time_limit > kMaxTimeLimit))
    throw UsageError("--time-limit must be 1 to " + std::to_string(kMaxTimeLimit) + " seconds, not " +
                     std::to_string(a.time_limit));
  const int allowed = static_cast<int>(allowed_cpus().size());
  if (a.threads != kNotGiven && (a.threads < 1 || a.threads > allowed))
    throw UsageError("--threads must be 1 to " + std::to_string(allowed) +
                     " (the CPUs this process may run on), not " + std::to_string(a.threads));
  const fs::path output = a.output.empty() ? wisdom_path() : fs::path(a.output);
  if (output == kWisdomDisabled) throw UsageError("CK_KERNEL_WISDOM=none names no file; give --output PATH");

  if (a.if_stale) {
    const std::optional<std::string> stale = why_stale(output);
    if (!stale) {
      std::cout << "cktune: " << output.string() << " is current (this CPU, ckernel " << ckernel_version()
                << "); nothing to measure\n";
      return 0;
    }
    std::cerr << "cktune: measuring: " << *stale << "\n";
  }
  check_writable(output);

  KernelProbeOptions options;
  options.quick = a.quick;
  options.rounds = a.rounds != kNotGiven ? a.rounds : (a.quick ? 3 : 5);
  options.threads = a.threads != kNotGiven ? a.threads : allowed;
  options.progress = [](const std::string& line) { std::cerr << "cktune: " << line << std::endl; };
  if (a.time_limit != kNotGiven)
    options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.time_limit);
  KernelWisdom wisdom = measure_kernel_wisdom(options);
  wisdom.cpu = this_host_cpu();
  wisdom.ckernel_version = std::string(ckernel_version());
  wisdom.measured_at = utc_now();
  const std::string text = format_kernel_wisdom(wisdom);
  try {
    write_file_atomically(output, text, kWisdomMode);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write " + output.string() + ": " + e.what());
  }
  if (a.json) {
    std::cout << text;
  } else {
    std::cout << "wrote " << output.string() << " in " << wisdom.measurements.seconds
              << " s: " << describe(wisdom.tuning) << ", weights on "
              << (wisdom.weights_on_hugepages ? "huge pages" : "4 KiB pages") << "\n";
  }
  return 0;
}

}  // namespace ck::tuning::cktune
