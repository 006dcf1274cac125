// ctest fixture around the whole tuning suite: `save FILE` before the first test, `restore FILE` after
// the last, so that even a test process that crashed (and so never ran its environment's TearDown)
// cannot leave huge pages, mounts or cgroups behind.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "host_state.h"

using ck::tuning::testing::HostStateSnapshot;

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "save" && std::string(argv[1]) != "restore")) {
    std::cerr << "usage: " << argv[0] << " save|restore FILE\n";
    return 2;
  }
  const std::string file = argv[2];
  if (std::string(argv[1]) == "save") {
    // Test cgroups, mounts and directories present now are leftovers of an earlier run that was killed
    // outright: clear them first, so that the suite starts from a clean host.
    if (::geteuid() == 0) {
      HostStateSnapshot clean = HostStateSnapshot::take();
      clean.cgroup_directories.clear();
      clean.test_root_entries.clear();
      std::erase_if(clean.hugetlbfs_mounts, [](const std::string& point) {
        return point.starts_with(ck::tuning::testing::kTestRoot);
      });
      for (const std::string& action : clean.restore())
        std::cout << "cleared stale test state: " << action << "\n";
    }
    std::ofstream(file) << HostStateSnapshot::take().serialize();
    std::cout << "host state saved to " << file << "\n";
    return 0;
  }
  std::ifstream in(file);
  if (!in) {
    std::cout << "no saved host state at " << file << ": nothing to restore\n";
    return 0;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const HostStateSnapshot saved = HostStateSnapshot::parse(text.str());
  if (::geteuid() == 0) {
    for (const std::string& action : saved.restore()) std::cout << "restored: " << action << "\n";
  }
  const auto differences = saved.differences_from(HostStateSnapshot::take());
  for (const std::string& difference : differences) std::cerr << "host state differs: " << difference << "\n";
  std::remove(file.c_str());
  return differences.empty() ? 0 : 1;
}
