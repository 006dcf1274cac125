// What the tuning tests may change on the host, captured before they run and put back afterwards even
// when a test fails or its process dies: per-node nr_hugepages, hugetlbfs mounts and directories under
// the test root, and cgroup directories under the test parent in every hierarchy.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ck::tuning::testing {

// Everything the tests create lives under these names, so cleanup never touches anything else.
inline constexpr std::string_view kTestCgroupParent = "ckernel-test";
inline constexpr std::string_view kTestRoot = "/tmp/ckernel-tuning-test";

struct HostStateSnapshot {
  std::map<std::string, std::uint64_t> hugepage_counts;  // nr_hugepages file -> value
  std::set<std::string> hugetlbfs_mounts;                // every hugetlbfs mount point
  std::set<std::string> test_root_entries;               // paths under kTestRoot (and kTestRoot itself)
  std::set<std::string> cgroup_directories;              // <hierarchy>/ckernel-test/... directories

  static HostStateSnapshot take();

  // Puts the host back into this state: kills leftover test processes in test cgroups and removes the
  // cgroups, unmounts hugetlbfs mounts under the test root, removes test directories, writes back the
  // nr_hugepages values. Returns one line per action taken.
  std::vector<std::string> restore() const;

  // One line per difference between this snapshot and now; empty when the host is as it was.
  std::vector<std::string> differences_from(const HostStateSnapshot& now) const;

  std::string serialize() const;
  static HostStateSnapshot parse(std::string_view text);
};

}  // namespace ck::tuning::testing
