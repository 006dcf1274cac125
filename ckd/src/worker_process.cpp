#include "worker_process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <numa.h>
#include <numaif.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "caller.h"

namespace ck::daemon {
namespace {

[[noreturn]] void throw_system_error(const std::string& what, int error_number = errno) {
  throw std::system_error(error_number, std::generic_category(), what);
}

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw_system_error("pipe2");
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(std::exchange(fd, -1));
  }
  int fds_[2] = {-1, -1};
};

// Everything the child needs, prepared before fork: after fork it may only make system calls.
struct ChildPlan {
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;
  cpu_set_t cpus;
  // libnuma's node mask: its size in bits is what set_mempolicy is told (plus one, as the kernel wants).
  std::unique_ptr<bitmask, decltype(&numa_bitmask_free)> nodes{nullptr, &numa_bitmask_free};
};

ChildPlan plan_child(const WorkerLaunch& launch, int socket_fd) {
  ChildPlan plan;
  plan.argv_storage.push_back(launch.executable.string());
  plan.argv_storage.insert(plan.argv_storage.end(), launch.arguments.begin(), launch.arguments.end());
  plan.argv_storage.push_back("--socket-fd");
  plan.argv_storage.push_back(std::to_string(socket_fd));
  for (std::string& argument : plan.argv_storage) plan.argv.push_back(argument.data());
  plan.argv.push_back(nullptr);
  CPU_ZERO(&plan.cpus);
  for (const int cpu : launch.cpus.ids()) CPU_SET(cpu, &plan.cpus);
  plan.nodes.reset(numa_allocate_nodemask());
  if (!plan.nodes) throw std::bad_alloc();
  for (const int node : launch.nodes.ids())
    numa_bitmask_setbit(plan.nodes.get(), static_cast<unsigned>(node));
  return plan;
}

[[noreturn]] void child_fail(int error_pipe, int step) {
  const int report[2] = {step, errno};
  [[maybe_unused]] const ssize_t ignored = ::write(error_pipe, report, sizeof report);
  ::_exit(127);
}

enum ChildStep {
  kWaitForAttach,
  kAffinity,
  kMempolicy,
  kSetgroups,
  kSetgid,
  kSetuid,
  kCloseInherited,
  kSocketFlags,
  kExec
};
const char* step_name(int step) {
  static const char* const names[] = {"waiting for the cgroup attach",
                                      "sched_setaffinity",
                                      "set_mempolicy",
                                      "setgroups",
                                      "setgid",
                                      "setuid",
                                      "close_range (Linux 5.11 or later is needed)",
                                      "fcntl on the socket",
                                      "execv"};
  return step >= 0 && step <= kExec ? names[step] : "?";
}

[[noreturn]] void run_child(const ChildPlan& plan, const WorkerLaunch& launch, Pipe& go, Pipe& errors,
                            int socket_fd) {
  // Only the parent may hold the start pipe's write end, so that its death reads as end of file here.
  go.close_write();
  errors.close_read();
  const int go_pipe = go.read_end();
  const int error_pipe = errors.write_end();
  char go_byte = 0;
  if (::read(go_pipe, &go_byte, 1) != 1) child_fail(error_pipe, kWaitForAttach);
  if (!launch.cpus.empty() && ::sched_setaffinity(0, sizeof plan.cpus, &plan.cpus) != 0)
    child_fail(error_pipe, kAffinity);
  // numaif.h's set_mempolicy is the bare system call: safe between fork and exec.
  if (!launch.nodes.empty() && ::set_mempolicy(MPOL_BIND, plan.nodes->maskp, plan.nodes->size + 1) != 0)
    child_fail(error_pipe, kMempolicy);
  if (launch.identity) {
    const WorkerIdentity& id = *launch.identity;
    if (::setgroups(id.groups.size(), id.groups.data()) != 0) child_fail(error_pipe, kSetgroups);
    if (::setgid(id.gid) != 0) child_fail(error_pipe, kSetgid);
    if (::setuid(id.uid) != 0) child_fail(error_pipe, kSetuid);
  }
  // Whatever ckd inherited without close-on-exec (from systemd, a shell, a library) is not the worker's
  // business: every descriptor above 2 closes at exec except the socket. The error pipe closes too, which
  // tells ckd that exec succeeded.
  if (::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) != 0) child_fail(error_pipe, kCloseInherited);
  if (::fcntl(socket_fd, F_SETFD, 0) != 0) child_fail(error_pipe, kSocketFlags);
  // ckd blocks the signals its event loop handles; the mask would survive exec and the worker could not
  // be stopped with SIGTERM.
  sigset_t nothing;
  sigemptyset(&nothing);
  ::sigprocmask(SIG_SETMASK, &nothing, nullptr);
  ::execv(plan.argv[0], plan.argv.data());
  child_fail(error_pipe, kExec);
}

}  // namespace

std::optional<WorkerIdentity> resolve_worker_identity(const std::string& user) {
  const std::string name = user.empty() ? "ckernel" : user;
  const passwd* entry = ::getpwnam(name.c_str());
  if (entry == nullptr) {
    if (user.empty()) return std::nullopt;
    throw std::invalid_argument("--worker-user " + user + ": no such user");
  }
  return WorkerIdentity{entry->pw_uid, entry->pw_gid, groups_of(name.c_str(), entry->pw_gid), name};
}

WorkerProcess WorkerProcess::start(const WorkerLaunch& launch) {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) throw_system_error("socketpair");
  const int parent_socket = sockets[0];
  const int child_socket = sockets[1];
  const ChildPlan plan = plan_child(launch, child_socket);
  Pipe go;
  Pipe errors;
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(parent_socket);
    ::close(child_socket);
    throw_system_error("fork", saved);
  }
  if (pid == 0) run_child(plan, launch, go, errors, child_socket);

  ::close(child_socket);
  go.close_read();
  errors.close_write();
  WorkerProcess process(pid, parent_socket);
  if (launch.attach) launch.attach(pid);  // a throw here kills and reaps the waiting child
  if (::write(go.write_end(), "g", 1) != 1) throw_system_error("write to the worker's start pipe");
  go.close_write();
  int report[2] = {0, 0};
  ssize_t got;
  do {
    got = ::read(errors.read_end(), report, sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof report)) {
    throw_system_error(std::string("starting ") + launch.executable.string() + ": " + step_name(report[0]),
                       report[1]);
  }
  return process;
}

WorkerProcess::~WorkerProcess() {
  if (socket_ >= 0) ::close(socket_);
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

WorkerProcess::WorkerProcess(WorkerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      socket_(std::exchange(other.socket_, -1)),
      reaped_(other.reaped_) {}

std::filesystem::path default_worker_path() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path beside = self.parent_path() / "ckd-worker";
    if (std::filesystem::exists(beside)) return beside;
  }
  return std::filesystem::path(CKD_LIBEXEC_DIR) / "ckd-worker";
}

}  // namespace ck::daemon
