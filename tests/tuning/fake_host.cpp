#include "fake_host.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ckernel/tuning/units.h"

namespace ck::tuning::testing {
namespace {

namespace fs = std::filesystem;

fs::path make_temporary_directory() {
  std::string pattern = (fs::temp_directory_path() / "ckernel-fake-host-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  return pattern;
}

std::string pool_directory(std::uint64_t page_size) {
  return "hugepages-" + std::to_string(page_size / kKiB) + "kB";
}

}  // namespace

FakeHost::FakeHost() : root_(make_temporary_directory()), paths_(HostPaths{root_ / "sys", root_ / "proc"}) {}

FakeHost::~FakeHost() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void FakeHost::write(const fs::path& relative, std::string_view text) const {
  const fs::path path = root_ / relative;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string FakeHost::read(const fs::path& relative) const {
  std::ifstream in(root_ / relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void FakeHost::online_cpus(std::string_view list) const {
  write("sys/devices/system/cpu/online", std::string(list) + "\n");
}

void FakeHost::cpu(int id, int core, int package, std::string_view smt_siblings) const {
  const fs::path topology = fs::path("sys/devices/system/cpu") / ("cpu" + std::to_string(id)) / "topology";
  write(topology / "core_id", std::to_string(core) + "\n");
  write(topology / "physical_package_id", std::to_string(package) + "\n");
  write(topology / "thread_siblings_list", std::string(smt_siblings) + "\n");
}

void FakeHost::nodes(std::string_view online, std::string_view has_memory) const {
  write("sys/devices/system/node/online", std::string(online) + "\n");
  write("sys/devices/system/node/has_memory", std::string(has_memory) + "\n");
}

void FakeHost::node(int id, std::string_view cpulist, std::uint64_t total_kib, std::uint64_t free_kib) const {
  const fs::path directory = fs::path("sys/devices/system/node") / ("node" + std::to_string(id));
  write(directory / "cpulist", std::string(cpulist) + "\n");
  const std::string prefix = "Node " + std::to_string(id) + " ";
  write(directory / "meminfo", prefix + "MemTotal:       " + std::to_string(total_kib) + " kB\n" + prefix +
                                   "MemFree:        " + std::to_string(free_kib) + " kB\n" + prefix +
                                   "MemUsed:        " + std::to_string(total_kib - free_kib) + " kB\n" +
                                   prefix + "HugePages_Total:     0\n");
}

void FakeHost::global_pool(std::uint64_t page_size, std::uint64_t total, std::uint64_t free) const {
  const fs::path directory = fs::path("sys/kernel/mm/hugepages") / pool_directory(page_size);
  write(directory / "nr_hugepages", std::to_string(total) + "\n");
  write(directory / "free_hugepages", std::to_string(free) + "\n");
  write(directory / "surplus_hugepages", "0\n");
}

void FakeHost::node_pool(int node, std::uint64_t page_size, std::uint64_t total, std::uint64_t free,
                         std::uint64_t surplus) const {
  const fs::path directory = fs::path("sys/devices/system/node") / ("node" + std::to_string(node)) /
                             "hugepages" / pool_directory(page_size);
  write(directory / "nr_hugepages", std::to_string(total) + "\n");
  write(directory / "free_hugepages", std::to_string(free) + "\n");
  write(directory / "surplus_hugepages", std::to_string(surplus) + "\n");
}

}  // namespace ck::tuning::testing
