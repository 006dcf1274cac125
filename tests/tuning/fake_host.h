// A fake host for the unprivileged tuning tests: a temporary directory with sys/ and proc/ trees that
// the library reads instead of the real /sys and /proc while the FakeHost lives (host_paths.h). The
// helpers write the files as the kernel lays them out, so a test states the machine it needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ckernel/tuning/host_paths.h"

namespace ck::tuning::testing {

class FakeHost {
 public:
  FakeHost();
  ~FakeHost();
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path sys() const { return root_ / "sys"; }
  std::filesystem::path proc() const { return root_ / "proc"; }

  // Writes a file below root(), its directories created: write("proc/meminfo", "...").
  void write(const std::filesystem::path& relative, std::string_view text) const;
  std::string read(const std::filesystem::path& relative) const;

  // /sys/devices/system/cpu/online, e.g. "0-3".
  void online_cpus(std::string_view list) const;
  // cpuN/topology: core_id, physical_package_id, thread_siblings_list.
  void cpu(int id, int core, int package, std::string_view smt_siblings) const;
  // /sys/devices/system/node/{online,has_memory}.
  void nodes(std::string_view online, std::string_view has_memory) const;
  // nodeN/cpulist and nodeN/meminfo with MemTotal and MemFree.
  void node(int id, std::string_view cpulist, std::uint64_t total_kib, std::uint64_t free_kib) const;
  // /sys/kernel/mm/hugepages/hugepages-<size>kB, the kernel's list of supported sizes and global pools.
  void global_pool(std::uint64_t page_size, std::uint64_t total, std::uint64_t free = 0) const;
  // nodeN/hugepages/hugepages-<size>kB.
  void node_pool(int node, std::uint64_t page_size, std::uint64_t total, std::uint64_t free = 0,
                 std::uint64_t surplus = 0) const;

 private:
  std::filesystem::path root_;
  ScopedHostPaths paths_;
};

}  // namespace ck::tuning::testing
