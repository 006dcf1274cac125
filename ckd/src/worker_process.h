// Starting a model's worker so that it never runs a single instruction outside its tenant: ckd forks, the
// child waits on a pipe until ckd has moved it into the tenant's cgroup, then pins itself to the tenant's
// CPUs and memory nodes, drops to the worker user and execs ckd-worker with its end of a socketpair (and
// no other descriptor than 0, 1 and 2).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/tuning/id_list.h"

namespace ck::daemon {

// The unprivileged identity workers run as; unset: they stay root.
struct WorkerIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string user;
};

// Resolves `user`; empty: "ckernel" when that user exists, else nullopt (root). Throws
// std::invalid_argument when a named user does not exist.
std::optional<WorkerIdentity> resolve_worker_identity(const std::string& user);

struct WorkerLaunch {
  std::filesystem::path executable;
  std::vector<std::string> arguments;  // after argv[0]; "--socket-fd N" is added
  tuning::IdList cpus;
  tuning::IdList nodes;
  std::optional<WorkerIdentity> identity;
  // Called with the child's pid while it waits; moves it into the tenant's cgroup.
  std::function<void(pid_t)> attach;
};

// A running worker; killed (SIGKILL: it holds nothing worth saving) and reaped when the object ends.
class WorkerProcess {
 public:
  // Throws std::system_error naming the failed step, or the exec error the child reported.
  static WorkerProcess start(const WorkerLaunch& launch);
  ~WorkerProcess();
  WorkerProcess(WorkerProcess&& other) noexcept;
  WorkerProcess& operator=(WorkerProcess&&) = delete;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  int socket() const noexcept { return socket_; }
  // The event loop reaped the child already: only close the socket at the end.
  void mark_reaped() noexcept { reaped_ = true; }

 private:
  WorkerProcess(pid_t pid, int socket) : pid_(pid), socket_(socket) {}
  pid_t pid_ = -1;
  int socket_ = -1;
  bool reaped_ = false;
};

// ckd-worker next to the running ckd, else in the installed libexec directory.
std::filesystem::path default_worker_path();

}  // namespace ck::daemon
