#include "options.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ck::daemon {
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

std::optional<std::uint64_t> parse_hugepages(const std::string& text) {
  if (text == "auto") return std::nullopt;
  std::uint64_t pages = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pages);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument("--hugepages '" + text + "': expected a number of pages or auto");
  return pages;
}

}  // namespace

ParsedOptions parse_options(int argc, const char* const* argv) {
  ParsedOptions parsed;
  DaemonOptions& o = parsed.options;
  std::string config_file = kDefaultConfig;
  std::string log_level = "info";
  std::string state_dir = o.state_dir, runtime_dir = o.runtime_dir, mount, worker_path, hugepages = "auto";
  std::string models_dir = o.models_dir;

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
      "hugepages", po::value(&hugepages)->value_name("N|auto"),
      "the most 2 MiB huge pages ckd may reserve for model weights. Pages are reserved per model as it is "
      "loaded, sized to it, and given back when it is unloaded; a model that does not fit stays in the "
      "page cache. auto (default): half of the host's memory; 0: never, weights stay in the page cache")(
      "hugetlbfs-mount", po::value(&mount)->value_name("DIR"),
      "where ckd mounts hugetlbfs for the weight copies (default RUNTIME-DIR/hugepages)")(
      "cgroup-parent", po::value(&o.cgroup_parent)->value_name("GROUP"),
      "cgroup under which tenant groups are made (default: the service's own cgroup when systemd "
      "delegated it, else \"ckernel\")")(
      "default-threads", po::value(&o.default_threads)->value_name("N"),
      "engine threads of a model loaded without `threads` (default 0: the tenant's CPU count)")(
      "worker-user", po::value(&o.worker_user)->value_name("USER"),
      "user the model workers run as (default \"ckernel\" if that user exists, else they stay root)")(
      "models-dir", po::value(&models_dir)->value_name("DIR"),
      "where the models loaded by name are: `ckctl load TENANT default` loads DIR/default.gguf (default "
      CKD_MODELS_DIR ", the package's models)")(
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
              "session bus\n  ckd --hugepages 512                                 # weights in huge pages, 1 "
              "GiB at "
              "most\n";
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
  o.hugepages_cap_pages = parse_hugepages(hugepages);
  o.state_dir = state_dir;
  o.runtime_dir = runtime_dir;
  o.hugetlbfs_mount = mount.empty() ? o.runtime_dir / "hugepages" : std::filesystem::path(mount);
  o.worker_path = worker_path;
  o.models_dir = models_dir;
  if (!o.bus_address.empty() && o.user_bus)
    throw std::invalid_argument("--bus and --user exclude each other");
  return parsed;
}

}  // namespace ck::daemon
