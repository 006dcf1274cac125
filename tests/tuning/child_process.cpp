#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace ck::tuning::testing {

ChildProcess::ChildProcess(std::function<int(int report_fd)> body) {
  int start_pipe[2];
  int report_pipe[2];
  if (::pipe2(start_pipe, O_CLOEXEC) != 0 || ::pipe2(report_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(start_pipe[1]);
    ::close(report_pipe[0]);
    // Do not outlive a crashed test process.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(98);
    char go = 0;
    ssize_t got;
    do {
      got = ::read(start_pipe[0], &go, 1);
    } while (got < 0 && errno == EINTR);
    if (got != 1) ::_exit(99);  // the parent closed the pipe without starting us
    int code = 97;
    try {
      code = body(report_pipe[1]);
    } catch (...) {
      code = 96;
    }
    ::_exit(code);
  }
  ::close(start_pipe[0]);
  ::close(report_pipe[1]);
  start_fd_ = start_pipe[1];
  report_fd_ = report_pipe[0];
}

ChildProcess::~ChildProcess() {
  if (start_fd_ >= 0) ::close(start_fd_);
  if (report_fd_ >= 0) ::close(report_fd_);
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildProcess::start() {
  const char go = 1;
  if (::write(start_fd_, &go, 1) != 1) throw std::runtime_error("could not start the child");
}

std::string ChildProcess::read_report_line() {
  std::string line;
  char c = 0;
  for (;;) {
    const ssize_t got = ::read(report_fd_, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got != 1 || c == '\n') return line;
    line += c;
  }
}

int ChildProcess::wait() {
  if (!status_) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    status_ = status;
  }
  return *status_;
}

bool ChildProcess::running() {
  if (status_) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) status_ = status;
  return done == 0;
}

void ChildProcess::kill(int signal) {
  if (!status_) ::kill(pid_, signal);
}

}  // namespace ck::tuning::testing
