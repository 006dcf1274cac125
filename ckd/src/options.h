// ckd's settings: defaults, then /etc/ckernel/ckd.conf (or --config), then the command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/engine/kernel_wisdom.h"

namespace ck::daemon {

enum class LogLevel { error, warning, info, debug };

struct DaemonOptions {
  std::string bus_address;  // empty: the system bus, or the user bus with user_bus
  bool user_bus = false;
  std::filesystem::path state_dir = ck::kStateDirectory;
  std::filesystem::path runtime_dir = "/run/ckernel";
  // The most 2 MiB huge pages ckd reserves for weight copies, per model as it is loaded; unset: half of
  // the host's memory; 0: none (weights stay in the page cache).
  std::optional<std::uint64_t> hugepages_cap_pages;
  std::filesystem::path hugetlbfs_mount = "/run/ckernel/hugepages";  // default: <runtime_dir>/hugepages
  std::string cgroup_parent;          // empty: detect (systemd's delegated cgroup, else "ckernel")
  unsigned default_threads = 0;       // 0: the tenant's CPU count
  std::string worker_user;            // empty: "ckernel" if that user exists, else root
  std::filesystem::path worker_path;  // empty: next to ckd, then the installed libexec directory
  // Where the models loaded by name live (api/shipped_models.h): the package's models.
  std::filesystem::path models_dir = CKD_MODELS_DIR;
  LogLevel log_level = LogLevel::info;
};

struct ParsedOptions {
  DaemonOptions options;
  std::optional<std::string> help_text;  // set when --help was asked for: print it and exit 0
};

// Throws std::invalid_argument with a message naming the bad option or config file line.
ParsedOptions parse_options(int argc, const char* const* argv);

}  // namespace ck::daemon
