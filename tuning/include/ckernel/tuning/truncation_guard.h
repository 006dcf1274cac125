// Reading a file through a mapping dies with SIGBUS when the file shrinks underneath: someone truncated
// it. ckd maps files its clients own (to parse them and copy them into huge pages), so a client could
// kill it that way. While a TruncationGuard covers a mapping, a SIGBUS inside it maps a zero page over the
// missing part instead, on whichever thread touched it (the copy engine's threads included), and the
// guard says the file shrank; the reader then throws away what it read. A SIGBUS anywhere else still
// takes the default action.
#pragma once

#include <cstddef>

namespace ck::tuning {

class TruncationGuard {
 public:
  // Throws TuningError when too many guards are active at once (a fixed table, so that the signal
  // handler never allocates or locks).
  TruncationGuard(const void* address, std::size_t length);
  ~TruncationGuard();
  TruncationGuard(const TruncationGuard&) = delete;
  TruncationGuard& operator=(const TruncationGuard&) = delete;

  // Some page of the range lay beyond the end of the file when it was read.
  bool truncated() const noexcept;

 private:
  int slot_;
};

}  // namespace ck::tuning
