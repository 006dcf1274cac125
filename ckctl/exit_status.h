// ckctl's exit statuses and the error that carries one. Scripts branch on these numbers, so each kind of
// failure keeps its own and the numbers never change meaning.
#pragma once

#include <stdexcept>
#include <string>

namespace ck::ckctl {

enum class ExitStatus : int {
  ok = 0,
  server_error = 1,        // ckd refused or failed the request; the message is its error's
  usage = 2,               // bad arguments: nothing was sent
  daemon_not_running = 3,  // no bus, or nobody owns org.ckernel.Manager1 on it
  permission_denied = 4,   // ckd or the bus policy refused the caller
};

class CommandError : public std::runtime_error {
 public:
  CommandError(ExitStatus status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  ExitStatus status() const { return status_; }

 private:
  ExitStatus status_;
};

inline CommandError usage_error(const std::string& message) { return {ExitStatus::usage, message}; }

}  // namespace ck::ckctl
