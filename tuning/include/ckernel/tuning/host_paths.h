// Where the library finds the kernel's files: the sysfs and procfs roots every path it reads or writes
// itself is built from. The real host by default; a test points them at a fake tree in a temporary
// directory (as leveldb's tests give a database an in-memory Env), so topology, huge page pools and
// their reservations, meminfo, mountinfo, smaps and the THP mode can be checked unprivileged, on
// machines the test host is not (two nodes, offline CPUs, no NUMA, no 2 MiB pages).
//
// One process-wide value rather than a parameter on every function: the host is a property of the
// process, no production caller would ever pass anything but the default, and ckd's callers stay as
// they are. ScopedHostPaths replaces it for a scope and puts the previous value back; it is meant for
// tests and must not be constructed while another thread is inside the library.
//
// There is no cgroup root: the library reaches the cgroup filesystem only through libcgroup, which
// finds the mounts in the real mount table and creates, writes and removes groups there, so the
// process's own groups (/proc/self/cgroup) are read from the real /proc to match. Also always real:
// libnuma's policy calls, mbind, mount(2), mmap, cpuid, and libaccel-config's DSA bus.
#pragma once

#include <filesystem>

namespace ck::tuning {

struct HostPaths {
  std::filesystem::path sys = "/sys";
  std::filesystem::path proc = "/proc";
};

// The paths in force: the real host's unless a ScopedHostPaths is alive.
const HostPaths& host_paths() noexcept;

class ScopedHostPaths {
 public:
  explicit ScopedHostPaths(HostPaths paths);
  ~ScopedHostPaths();
  ScopedHostPaths(const ScopedHostPaths&) = delete;
  ScopedHostPaths& operator=(const ScopedHostPaths&) = delete;
  ScopedHostPaths(ScopedHostPaths&&) = delete;
  ScopedHostPaths& operator=(ScopedHostPaths&&) = delete;

 private:
  HostPaths previous_;
};

}  // namespace ck::tuning
