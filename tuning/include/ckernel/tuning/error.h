// The one exception type of the tuning library. Every failure names the call that failed (a syscall,
// a libnuma / libcgroup / libaccel-config function, or a check this library makes), the path or object
// it was applied to, and the reason (the errno text for syscalls), because the operator reading ckd's
// log has to know which kernel interface refused what.
#pragma once

#include <stdexcept>
#include <string>

namespace ck::tuning {

class TuningError : public std::runtime_error {
 public:
  // what() reads "<call> <path>: <reason>" (without the path part when path is empty).
  TuningError(std::string call, std::string path, std::string reason, int error_number = 0);

  // A failed syscall or libc call: the reason is strerror(error_number).
  static TuningError from_errno(std::string call, std::string path, int error_number);

  const std::string& call() const noexcept { return call_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& reason() const noexcept { return reason_; }
  // The errno of the failed call; 0 when the failure is a refusal rather than a failed call.
  int error_number() const noexcept { return error_number_; }

 private:
  std::string call_;
  std::string path_;
  std::string reason_;
  int error_number_;
};

// Throws TuningError::from_errno(call, path, error_number); error_number defaults to the current errno.
[[noreturn]] void throw_errno(std::string call, std::string path, int error_number);
[[noreturn]] void throw_errno(std::string call, std::string path);

// The text of an errno value, thread-safe.
std::string errno_text(int error_number);

}  // namespace ck::tuning
