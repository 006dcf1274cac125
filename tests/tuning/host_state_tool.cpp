// ctest fixture around the whole tuning suite: `save FILE` before the first test, `restore FILE` after
// the last, so that even a test process that crashed (and so never ran its environment's TearDown)
// cannot leave huge pages, mounts or cgroups behind.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "host_state.h"

using ckernel::tuning::testing::HostStateSnapshot;

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "save" && std::string(argv[1]) != "restore")) {
    std::cerr << "usage: " << argv[0] << " save|restore FILE\n";
    return 2;
  }
  const std::string file = argv[2];
  if (std::string(argv[1]) == "save") {
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
