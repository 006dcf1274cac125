#include "ckernel/tuning/stale_groups.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "ckernel/tuning/cgroup_layout.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

// One directory per distinct hierarchy.
std::vector<fs::path> hierarchy_roots() {
  std::vector<fs::path> roots;
  for (const ControllerMount& mount : detect_cgroup_layout().distinct_hierarchies())
    roots.push_back(mount.mount_point);
  return roots;
}

// The groups this process is in, one per hierarchy line of /proc/self/cgroup ("/ckernel/daemon").
// Always the real /proc, not host_paths(): the answer is matched against the groups libcgroup finds in
// the real mount table, and a fake membership there could let the sweep kill this very process.
std::set<std::string> own_groups() {
  std::set<std::string> groups;
  std::ifstream lines("/proc/self/cgroup");
  std::string line;
  while (std::getline(lines, line)) {
    const auto second_colon = line.find(':', line.find(':') + 1);
    if (second_colon != std::string::npos) groups.insert(line.substr(second_colon + 1));
  }
  return groups;
}

bool holds_self(const std::string& group, const std::set<std::string>& own) {
  const std::string absolute = "/" + group;
  return std::any_of(own.begin(), own.end(), [&absolute](const std::string& mine) {
    return mine == absolute || mine.starts_with(absolute + "/");
  });
}

std::vector<pid_t> processes_in(const fs::path& directory) {
  std::vector<pid_t> pids;
  std::ifstream procs(directory / "cgroup.procs");
  pid_t pid = 0;
  while (procs >> pid) pids.push_back(pid);
  return pids;
}

bool has_child_groups(const fs::path& directory) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (entry.is_directory()) return true;
  }
  return false;
}

// Removes a group directory and the groups below it, deepest first. Killed processes leave their group
// as they exit (before they are reaped), so a short wait is enough for rmdir to succeed.
bool remove_tree(const fs::path& directory, std::string& why) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (entry.is_directory() && !remove_tree(entry.path(), why)) return false;
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::rmdir(directory.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  why = "rmdir " + directory.string() + ": " + std::strerror(errno);
  return false;
}

}  // namespace

StaleGroupSweep remove_stale_tenant_groups(const std::string& parent, const std::vector<std::string>& names) {
  StaleGroupSweep sweep;
  const std::set<std::string> own = own_groups();
  std::set<std::string> removed;
  for (const fs::path& root : hierarchy_roots()) {
    for (const std::string& name : names) {
      // A name that is not one directory below the parent ("..", "a/b") is not a tenant's: skipped before
      // it is joined, as ".." would make the sweep kill everything in the parent's parent.
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) continue;
      const fs::directory_entry entry(root / parent / name);
      if (!entry.is_directory()) continue;
      const std::string group = parent + "/" + name;
      if (holds_self(group, own)) continue;
      std::error_code error;
      for (const auto& below : fs::recursive_directory_iterator(entry.path(), error)) {
        if (!below.is_directory()) continue;
        for (const pid_t pid : processes_in(below.path())) {
          if (::kill(pid, SIGKILL) == 0) sweep.killed_processes.push_back(pid);
        }
      }
      for (const pid_t pid : processes_in(entry.path())) {
        if (::kill(pid, SIGKILL) == 0) sweep.killed_processes.push_back(pid);
      }
      std::string why;
      if (remove_tree(entry.path(), why)) {
        removed.insert(group);
      } else {
        sweep.problems.push_back(why);
      }
    }
  }
  std::sort(sweep.killed_processes.begin(), sweep.killed_processes.end());
  sweep.killed_processes.erase(std::unique(sweep.killed_processes.begin(), sweep.killed_processes.end()),
                               sweep.killed_processes.end());
  sweep.removed_groups.assign(removed.begin(), removed.end());
  return sweep;
}

bool remove_group_if_unused(const std::string& group) {
  bool all_gone = true;
  for (const fs::path& root : hierarchy_roots()) {
    const fs::path directory = root / group;
    if (!fs::exists(directory)) continue;
    if (!processes_in(directory).empty() || has_child_groups(directory) || ::rmdir(directory.c_str()) != 0)
      all_gone = false;
  }
  return all_gone;
}

bool group_exists(const std::string& group) {
  const auto roots = hierarchy_roots();
  return std::any_of(roots.begin(), roots.end(),
                     [&group](const fs::path& root) { return fs::exists(root / group); });
}

}  // namespace ck::tuning
