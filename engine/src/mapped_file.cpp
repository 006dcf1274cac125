#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ck {
namespace {

[[noreturn]] void throw_errno(const std::string& call, const std::string& path) {
  throw std::system_error(errno, std::generic_category(), call + " " + path);
}

// Closes a descriptor when the scope ends; the mapping outlives it.
struct FdGuard {
  int fd;
  ~FdGuard() { ::close(fd); }
};

}  // namespace

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open", path);
  FdGuard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("fstat", path);
  if (!S_ISREG(st.st_mode))
    throw std::system_error(EINVAL, std::generic_category(), path + " is not a regular file");
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) return;  // an empty file maps to nothing; the parser reports it as truncated
  data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data_ == MAP_FAILED) {
    data_ = nullptr;
    throw_errno("mmap", path);
  }
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace ck
