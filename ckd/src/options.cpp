#include "options.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ckernel::daemon {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultConfig = "/etc/ckernel/ckd.conf";

LogLevel parse_log_level(const std::string& text) {
  if (text == "error") return LogLevel::error;
  if (text == "warning") return LogLevel::warning;
  if (text == "info") return LogLevel::info;
  if (text == "debug") return LogLevel::debug;
  throw std::invalid_argument("--log-level '" + text + "': expected error, warning, info or debug");
}

}  // namespace

ParsedOptions parse_options(int argc, const char* const* argv) {
  ParsedOptions parsed;
  DaemonOptions& o = parsed.options;
  std::string config_file = kDefaultConfig;
  std::string log_level = "info";
  std::string state_dir = o.state_dir, runtime_dir = o.runtime_dir, mount, worker_path;

  po::options_description command_line_only("Command line");
  command_line_only.add_options()("help,h", "show this help and exit")(
      "config", po::value(&config_file)->value_name("FILE"),
      "settings file, one `name = value` per line with the long option names below (default "
      "/etc/ckernel/ckd.conf; missing is fine); the command line overrides it");

  po::options_description settings("Settings (command line or config file)");
  settings.add_options()("bus", po::value(&o.bus_address)->value_name("ADDRESS"),
                         "connect to this D-Bus address instead of the system bus (e.g. unix:path=/tmp/bus)")(
      "user", po::bool_switch(&o.user_bus), "use the session bus of the calling user")(
      "state-dir", po::value(&state_dir)->value_name("DIR"),
      "where state.json keeps tenants and models across restarts (default /var/lib/ckernel)")(
      "runtime-dir", po::value(&runtime_dir)->value_name("DIR"),
      "run-time files: the hugetlbfs mount lives here unless --hugetlbfs-mount says otherwise (default "
      "/run/ckernel)")(
      "hugepages", po::value(&o.hugepages)->value_name("N"),
      "2 MiB huge pages to reserve for model weights at start and give back at exit; 0 (default): none, "
      "weights stay in the page cache")(
      "hugetlbfs-mount", po::value(&mount)->value_name("DIR"),
      "where ckd mounts hugetlbfs for the weight copies (default RUNTIME-DIR/hugepages)")(
      "cgroup-parent", po::value(&o.cgroup_parent)->value_name("GROUP"),
      "cgroup under which tenant groups are made (default: the service's own cgroup when systemd "
      "delegated it, else \"ckernel\")")(
      "default-threads", po::value(&o.default_threads)->value_name("N"),
      "engine threads of a model loaded without `threads` (default 0: the tenant's CPU count)")(
      "worker-user", po::value(&o.worker_user)->value_name("USER"),
      "user the model workers run as (default \"ckernel\" if that user exists, else they stay root)")(
      "worker-path", po::value(&worker_path)->value_name("FILE"),
      "the ckd-worker executable (default: next to ckd, then " CKD_LIBEXEC_DIR "/ckd-worker)")(
      "log-level", po::value(&log_level)->value_name("LEVEL"),
      "error, warning, info (default) or debug; messages go to stderr (the journal under systemd)");

  po::options_description all;
  all.add(command_line_only).add(settings);
  po::variables_map values;
  try {
    po::store(po::parse_command_line(argc, argv, all), values);
    if (values.count("help")) {
      std::ostringstream help;
      help << "ckd: the ckernel daemon. Owns org.ckernel.Manager1 on D-Bus, makes tenant cgroups, keeps "
              "model weights\nresident and runs one ckd-worker per loaded model. Manage it with ckctl.\n\n"
              "Usage: ckd [options]\n\n"
           << all
           << "\nExamples:\n  ckd --user --state-dir ~/.local/state/ckernel     # a private instance on the "
              "session bus\n  ckd --hugepages 512                                 # keep 1 GiB of weights in "
              "huge pages\n";
      parsed.help_text = help.str();
      return parsed;
    }
    if (values.count("config")) config_file = values["config"].as<std::string>();
    std::ifstream config(config_file);
    if (config) {
      po::store(po::parse_config_file(config, settings), values);
    } else if (values.count("config")) {
      throw std::invalid_argument("--config " + config_file + ": cannot be read");
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw std::invalid_argument(std::string(e.what()) + " (see ckd --help)");
  }
  o.log_level = parse_log_level(log_level);
  o.state_dir = state_dir;
  o.runtime_dir = runtime_dir;
  o.hugetlbfs_mount = mount.empty() ? o.runtime_dir / "hugepages" : std::filesystem::path(mount);
  o.worker_path = worker_path;
  if (!o.bus_address.empty() && o.user_bus)
    throw std::invalid_argument("--bus and --user exclude each other");
  return parsed;
}

}  // namespace ckernel::daemon
