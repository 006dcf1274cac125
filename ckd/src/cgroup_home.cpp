#include "cgroup_home.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ckernel/tuning/cgroup_layout.h"
#include "ckernel/tuning/error.h"

namespace ck::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCall = "ckd cgroup home";
// What tenants need from their parent on cgroup v2 (cpuacct does not exist there; cpu.stat has usage).
constexpr const char* kTenantControllers[] = {"cpuset", "cpu", "memory"};

// The unified hierarchy's line of /proc/self/cgroup: "0::/system.slice/ckd.service" -> that path
// without the leading slash ("" for the root).
std::string unified_path() {
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    if (line.starts_with("0::/")) return line.substr(4);
  }
  return {};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw tuning::TuningError::from_errno(kCall, path.string(), errno);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One write(2) of the whole value, as cgroupfs wants; errors name the file and the value.
void write_file(const fs::path& path, const std::string& value) {
  std::ofstream out(path);
  if (!out) throw tuning::TuningError::from_errno(kCall, path.string(), errno);
  out << value << std::flush;
  if (!out) throw tuning::TuningError::from_errno(kCall, path.string() + " = " + value, errno);
}

bool has_word(const std::string& words, const std::string& word) {
  std::istringstream in(words);
  std::string each;
  while (in >> each) {
    if (each == word) return true;
  }
  return false;
}

// Moves ckd into <service>/_daemon and hands the tenant controllers to the service cgroup's children.
std::string move_into_leaf(const fs::path& mount, const std::string& service) {
  const fs::path service_dir = mount / service;
  const fs::path leaf = service_dir / kDaemonLeaf;
  std::error_code error;
  fs::create_directory(leaf, error);  // an existing leaf (left by an earlier ckd) is fine
  if (error) throw tuning::TuningError::from_errno(kCall, "mkdir " + leaf.string(), error.value());
  // Writing a PID to cgroup.procs moves the whole process, all its threads.
  write_file(leaf / "cgroup.procs", std::to_string(::getpid()));

  const std::string offered = read_file(service_dir / "cgroup.controllers");
  std::string enable;
  for (const char* controller : kTenantControllers) {
    if (!has_word(offered, controller)) {
      throw tuning::TuningError(kCall, (service_dir / "cgroup.controllers").string(),
                                std::string("the service cgroup is not given the ") + controller +
                                    " controller (it has: '" + offered.substr(0, offered.find('\n')) +
                                    "'); ckd.service needs Delegate=yes");
    }
    enable += (enable.empty() ? "+" : " +") + std::string(controller);
  }
  write_file(service_dir / "cgroup.subtree_control", enable);
  return "cgroup v2: ckd moved into " + leaf.string() + " and enabled " + enable + " for the tenants in " +
         service_dir.string();
}

}  // namespace

CgroupHome prepare_default_cgroup_home() {
  std::string path = unified_path();
  // After a move (a re-run in the same process, or a leaf kept by systemd) the service is one level up.
  const std::string leaf_suffix = std::string("/") + kDaemonLeaf;
  if (path.ends_with(".service" + leaf_suffix)) path.resize(path.size() - leaf_suffix.size());
  if (!path.ends_with(".service")) return {"ckernel", ""};

  const tuning::CgroupLayout layout = tuning::detect_cgroup_layout();
  if (layout.version() != tuning::CgroupVersion::v2) return {path, ""};  // v1/hybrid: no move needed
  return {path, move_into_leaf(layout.find("memory")->mount_point, path)};
}

}  // namespace ck::daemon
