#include "host_state.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ck::tuning::testing {
namespace {

namespace fs = std::filesystem;

// Independent of the library under test on purpose: cleanup must work even when the library is wrong.
std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

struct Mount {
  std::string point;
  std::string type;
};

std::vector<Mount> mounts() {
  std::vector<Mount> result;
  std::istringstream lines(read_file("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string skip, point, field, type;
    fields >> skip >> skip >> skip >> skip >> point >> skip;
    while (fields >> field && field != "-") {
    }
    fields >> type;
    result.push_back({point, type});
  }
  return result;
}

std::vector<fs::path> nr_hugepages_files() {
  std::vector<fs::path> files;
  std::error_code error;
  const fs::path nodes = "/sys/devices/system/node";
  for (const auto& node : fs::directory_iterator(nodes, error)) {
    const std::string name = node.path().filename().string();
    if (!name.starts_with("node") || name.size() == 4 || !std::isdigit(static_cast<unsigned char>(name[4]))) {
      continue;
    }
    for (const auto& pool : fs::directory_iterator(node.path() / "hugepages", error)) {
      files.push_back(pool.path() / "nr_hugepages");
    }
  }
  if (files.empty()) {  // a kernel without NUMA: the global pools
    for (const auto& pool : fs::directory_iterator("/sys/kernel/mm/hugepages", error)) {
      files.push_back(pool.path() / "nr_hugepages");
    }
  }
  return files;
}

std::vector<fs::path> cgroup_test_roots() {
  std::vector<fs::path> roots;
  for (const Mount& m : mounts()) {
    if (m.type == "cgroup" || m.type == "cgroup2") roots.push_back(fs::path(m.point) / kTestCgroupParent);
  }
  return roots;
}

std::vector<int> pids_in(const fs::path& cgroup) {
  std::vector<int> pids;
  std::istringstream in(read_file(cgroup / "cgroup.procs"));
  int pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

// Test children left in a test cgroup belong to a test that died; they are killed, never adopted.
void empty_cgroup(const fs::path& cgroup, std::vector<std::string>& actions) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::vector<int> pids = pids_in(cgroup);
    std::erase(pids, ::getpid());
    if (pids.empty()) return;
    for (const int pid : pids) {
      ::kill(pid, SIGKILL);
      if (attempt == 0) {
        actions.push_back("killed leftover test process " + std::to_string(pid) + " in " + cgroup.string());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::size_t depth(const std::string& path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

}  // namespace

HostStateSnapshot HostStateSnapshot::take() {
  HostStateSnapshot snapshot;
  for (const fs::path& file : nr_hugepages_files()) {
    snapshot.hugepage_counts[file.string()] = std::stoull("0" + read_file(file));
  }
  for (const Mount& m : mounts()) {
    if (m.type == "hugetlbfs") snapshot.hugetlbfs_mounts.insert(m.point);
  }
  std::error_code error;
  if (fs::exists(kTestRoot)) {
    snapshot.test_root_entries.insert(std::string(kTestRoot));
    for (auto it = fs::recursive_directory_iterator(kTestRoot, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      // Never descend into a mount: its contents come and go with it.
      if (snapshot.hugetlbfs_mounts.count(it->path().string())) it.disable_recursion_pending();
      snapshot.test_root_entries.insert(it->path().string());
    }
  }
  for (const fs::path& root : cgroup_test_roots()) {
    if (!fs::is_directory(root)) continue;
    snapshot.cgroup_directories.insert(root.string());
    for (const auto& entry : fs::recursive_directory_iterator(root, error)) {
      if (entry.is_directory()) snapshot.cgroup_directories.insert(entry.path().string());
    }
  }
  return snapshot;
}

std::vector<std::string> HostStateSnapshot::restore() const {
  std::vector<std::string> actions;
  const HostStateSnapshot now = take();

  std::vector<std::string> extra_cgroups;
  for (const std::string& dir : now.cgroup_directories) {
    if (!cgroup_directories.count(dir)) extra_cgroups.push_back(dir);
  }
  std::sort(extra_cgroups.begin(), extra_cgroups.end(),
            [](const std::string& a, const std::string& b) { return depth(a) > depth(b); });
  for (const std::string& dir : extra_cgroups) {
    empty_cgroup(dir, actions);
    actions.push_back((::rmdir(dir.c_str()) == 0 ? "removed cgroup " : "could not remove cgroup ") + dir);
  }

  for (const std::string& point : now.hugetlbfs_mounts) {
    if (hugetlbfs_mounts.count(point) || !point.starts_with(kTestRoot)) continue;
    const bool done = ::umount2(point.c_str(), MNT_DETACH) == 0;
    actions.push_back((done ? "unmounted " : "could not unmount ") + point);
  }

  std::vector<std::string> extra_entries;
  for (const std::string& entry : take().test_root_entries) {
    if (!test_root_entries.count(entry)) extra_entries.push_back(entry);
  }
  std::sort(extra_entries.begin(), extra_entries.end(),
            [](const std::string& a, const std::string& b) { return depth(a) > depth(b); });
  for (const std::string& entry : extra_entries) {
    std::error_code error;
    fs::remove(entry, error);
    actions.push_back((error ? "could not remove " : "removed ") + entry);
  }

  for (const auto& [file, count] : hugepage_counts) {
    const auto current = now.hugepage_counts.find(file);
    if (current == now.hugepage_counts.end() || current->second == count) continue;
    const bool done = write_file(file, std::to_string(count));
    actions.push_back((done ? "reset " : "could not reset ") + file + " from " +
                      std::to_string(current->second) + " to " + std::to_string(count));
  }
  return actions;
}

std::vector<std::string> HostStateSnapshot::differences_from(const HostStateSnapshot& now) const {
  std::vector<std::string> differences;
  for (const auto& [file, count] : hugepage_counts) {
    const auto current = now.hugepage_counts.find(file);
    if (current != now.hugepage_counts.end() && current->second != count) {
      differences.push_back(file + " was " + std::to_string(count) + ", is " +
                            std::to_string(current->second));
    }
  }
  const auto compare = [&differences](const std::set<std::string>& before, const std::set<std::string>& after,
                                      const std::string& what) {
    for (const std::string& item : after) {
      if (!before.count(item)) differences.push_back(what + " " + item + " appeared");
    }
    for (const std::string& item : before) {
      if (!after.count(item)) differences.push_back(what + " " + item + " disappeared");
    }
  };
  compare(hugetlbfs_mounts, now.hugetlbfs_mounts, "hugetlbfs mount");
  compare(test_root_entries, now.test_root_entries, "test path");
  compare(cgroup_directories, now.cgroup_directories, "cgroup");
  return differences;
}

std::string HostStateSnapshot::serialize() const {
  std::ostringstream out;
  for (const auto& [file, count] : hugepage_counts) out << "hugepages " << file << ' ' << count << '\n';
  for (const std::string& point : hugetlbfs_mounts) out << "mount " << point << '\n';
  for (const std::string& entry : test_root_entries) out << "entry " << entry << '\n';
  for (const std::string& dir : cgroup_directories) out << "cgroup " << dir << '\n';
  return out.str();
}

HostStateSnapshot HostStateSnapshot::parse(std::string_view text) {
  HostStateSnapshot snapshot;
  std::istringstream lines{std::string(text)};
  std::string kind, path;
  while (lines >> kind >> path) {
    if (kind == "hugepages") {
      std::uint64_t count = 0;
      lines >> count;
      snapshot.hugepage_counts[path] = count;
    } else if (kind == "mount") {
      snapshot.hugetlbfs_mounts.insert(path);
    } else if (kind == "entry") {
      snapshot.test_root_entries.insert(path);
    } else if (kind == "cgroup") {
      snapshot.cgroup_directories.insert(path);
    }
  }
  return snapshot;
}

}  // namespace ck::tuning::testing
