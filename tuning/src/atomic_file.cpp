#include "ckernel/tuning/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_system_error(const std::string& call, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), call + " " + path.string());
}

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred write may only show here.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_system_error("write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

void write_file_atomically(const fs::path& file, std::string_view content, mode_t mode) {
  const fs::path directory = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  fs::create_directories(directory);
  const fs::path temporary = file.string() + ".tmp";
  {
    OwnedFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_system_error("open", temporary);
    // The mode asked for, not what the umask left of it (a service's UMask=0027, say).
    if (::fchmod(fd.get(), mode) != 0) throw_system_error("fchmod", temporary);
    write_all(fd.get(), content, temporary);
    if (::fsync(fd.get()) != 0) throw_system_error("fsync", temporary);
    if (fd.close() != 0) throw_system_error("close", temporary);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) throw_system_error("rename", temporary);
  // The rename is only durable once the directory entry is.
  OwnedFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory_fd.get() < 0) throw_system_error("open", directory);
  if (::fsync(directory_fd.get()) != 0) throw_system_error("fsync", directory);
}

}  // namespace ck::tuning
