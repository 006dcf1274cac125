// What every cktune command reports its outcome with: exit statuses and the error for bad arguments.
#pragma once

#include <stdexcept>

namespace ck::tuning::cktune {

inline constexpr int kExitFailed = 1;  // the host refused or failed (the message says what)
inline constexpr int kExitUsage = 2;   // bad arguments; nothing was done

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ck::tuning::cktune
