// The lock that makes ckd the only instance using a runtime directory: taken at start (flock on
// RUNTIME-DIR/ckd.lock) and held until exit. The kernel drops it when the process dies, however it dies,
// so a killed ckd never blocks the next one.
#pragma once

#include <filesystem>

namespace ck::daemon {

class InstanceLock {
 public:
  // Throws std::runtime_error naming the directory when another ckd holds it.
  explicit InstanceLock(const std::filesystem::path& runtime_dir);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ck::daemon
