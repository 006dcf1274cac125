#include "model_file.h"

#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "ckernel/engine/model.h"
#include "ckernel/engine/model_image.h"
#include "ckernel/engine/session_memory.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/truncation_guard.h"
#include "errors.h"

namespace ck::daemon {
namespace {

// The calling thread's file-system identity becomes the caller's for as long as this lives. Linux keeps
// credentials per thread and the raw system calls change only this thread's (glibc's wrappers of
// setgroups would change every thread's), so the event loop keeps root's rights meanwhile. Leaving uid 0
// also drops the capabilities that bypass file permissions; coming back restores them.
class CallerRights {
 public:
  explicit CallerRights(const Caller& caller) : active_(caller.uid != 0) {
    if (!active_) return;
    saved_groups_.resize(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
    if (::getgroups(static_cast<int>(saved_groups_.size()), saved_groups_.data()) < 0) saved_groups_.clear();
    // Fails closed: every step is checked (setfs*id report nothing, so the value is read back), and a
    // step that did not take undoes the others, so the file is never opened with root's groups.
    const bool switched = ::syscall(SYS_setgroups, caller.groups.size(), caller.groups.data()) == 0 &&
                          (::setfsgid(caller.gid), static_cast<gid_t>(::setfsgid(-1)) == caller.gid) &&
                          (::setfsuid(caller.uid), static_cast<uid_t>(::setfsuid(-1)) == caller.uid);
    if (!switched) {
      restore();
      throw DaemonError(error_name::kFailed, "cannot take the caller's file rights (uid " +
                                                 std::to_string(caller.uid) + "); the file was not opened");
    }
  }
  ~CallerRights() {
    if (active_) restore();
  }
  CallerRights(const CallerRights&) = delete;
  CallerRights& operator=(const CallerRights&) = delete;

 private:
  void restore() noexcept {
    ::setfsuid(0);
    ::setfsgid(0);
    ::syscall(SYS_setgroups, saved_groups_.size(), saved_groups_.data());
  }

  bool active_;
  std::vector<gid_t> saved_groups_;
};

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw DaemonError(error_name::kBadModel, path + ": " + why);
}

}  // namespace

std::shared_ptr<ModelFile> ModelFile::open(const std::string& path, const Caller& caller) {
  int fd = -1;
  {
    const CallerRights rights(caller);
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  }
  if (fd < 0) refuse(path, std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    refuse(path, std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    refuse(path, std::string(file_type_name(info.st_mode)) + ", not a GGUF model file");
  }
  if (info.st_size == 0) {
    ::close(fd);
    refuse(path, "the file is empty");
  }
  return std::shared_ptr<ModelFile>(new ModelFile(path, fd, static_cast<std::uint64_t>(info.st_size)));
}

ModelFile::~ModelFile() { ::close(fd_); }

ModelFootprint probe_model(const ModelFile& file, unsigned context) {
  void* address = ::mmap(nullptr, file.size(), PROT_READ, MAP_SHARED, file.fd(), 0);
  if (address == MAP_FAILED) refuse(file.path(), std::string("mmap: ") + std::strerror(errno));
  auto mapping = std::make_shared<tuning::MemoryMapping>(address, file.size());
  const std::span<const std::byte> bytes(mapping->data(), file.size());
  std::shared_ptr<const ck::Model> model;
  try {
    // The file is the client's: a truncation while it is parsed must not kill ckd.
    const tuning::TruncationGuard guard(mapping->data(), file.size());
    model = ck::Model::load(ck::ModelImage{bytes, mapping, file.path(), "probe"});
    if (guard.truncated()) refuse(file.path(), "the file shrank while ckd read it");
  } catch (const std::exception& e) {
    throw DaemonError(error_name::kBadModel, e.what());
  }
  // The engine says what a session costs (KV cells padded as the worker's session pads them, one
  // prompt batch of activations); ckd adds nothing of its own.
  const ck::ModelConfig& config = model->config();
  ModelFootprint footprint;
  footprint.weight_bytes = model->weight_bytes();
  footprint.session_bytes = ck::session_memory_bytes(config, ck::session_context(config, context));
  return footprint;
}

}  // namespace ck::daemon
