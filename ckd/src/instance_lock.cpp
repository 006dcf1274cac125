#include "instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace ck::daemon {

InstanceLock::InstanceLock(const std::filesystem::path& runtime_dir) {
  std::filesystem::create_directories(runtime_dir);
  const std::filesystem::path file = runtime_dir / "ckd.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + file.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    if (error == EWOULDBLOCK)
      throw std::runtime_error("another ckd is running with the runtime directory " + runtime_dir.string());
    throw std::system_error(error, std::generic_category(), "flock " + file.string());
  }
}

InstanceLock::~InstanceLock() { ::close(fd_); }

}  // namespace ck::daemon
