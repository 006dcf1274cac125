// A forked child for tests that need a second process: it waits until the parent says start (so the
// parent can first attach it to a cgroup), runs its body, and exits with the body's result. It exits by
// itself if the parent dies first, and the destructor kills and reaps it if it is still there.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace ck::tuning::testing {

class ChildProcess {
 public:
  // body gets a file descriptor whose writes the parent reads with read_report().
  explicit ChildProcess(std::function<int(int report_fd)> body);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void start();
  // Blocks until the child has written a line (without the newline) or closed its end.
  std::string read_report_line();
  // waitpid's status, blocking.
  int wait();
  bool running();
  void kill(int signal);

 private:
  pid_t pid_ = -1;
  int start_fd_ = -1;   // parent writes one byte to let the child run
  int report_fd_ = -1;  // parent reads what the child reports
  std::optional<int> status_;
};

}  // namespace ck::tuning::testing
