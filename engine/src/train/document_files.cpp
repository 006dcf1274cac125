#include "ckernel/engine/train/document_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "ckernel/engine/train/corpus.h"

namespace ck::train {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw CorpusError(path.string() + ": " + problem);
}

bool is_hidden(const fs::path& path) {
  const std::string& name = path.filename().native();
  return !name.empty() && name.front() == '.';
}

std::string kind_of(fs::file_type type) {
  switch (type) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    default:
      return "not a regular file";
  }
}

uint64_t size_of(const fs::path& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read its size: " + ec.message());
  return size;
}

// The regular files below `dir` (symlinks to regular files included), in byte order of their paths.
std::vector<DocumentFile> files_below(const fs::path& dir) {
  std::vector<DocumentFile> files;
  std::error_code ec;
  fs::path last = dir;  // names the place when listing fails
  // Without follow_directory_symlink the walk does not enter symlinked directories, so it cannot loop.
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    last = entry.path();
    if (is_hidden(entry.path())) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code status_ec;
    const fs::file_status status = entry.status(status_ec);              // follows symlinks
    if (status_ec || status.type() != fs::file_type::regular) continue;  // dangling links, FIFOs, dirs...
    files.push_back(DocumentFile{entry.path(), size_of(entry.path())});
  }
  if (ec) fail(last, "cannot list the directory: " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const DocumentFile& a, const DocumentFile& b) { return a.path.native() < b.path.native(); });
  return files;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::vector<DocumentFile> list_document_files(std::span<const fs::path> inputs) {
  std::vector<DocumentFile> documents;
  for (const fs::path& input : inputs) {
    std::error_code ec;
    const fs::file_status status = fs::status(input, ec);
    if (status.type() == fs::file_type::not_found) fail(input, "not found");
    if (ec) fail(input, "cannot read: " + ec.message());
    if (status.type() == fs::file_type::regular) {
      documents.push_back(DocumentFile{input, size_of(input)});
    } else if (status.type() == fs::file_type::directory) {
      std::vector<DocumentFile> below = files_below(input);
      documents.insert(documents.end(), std::make_move_iterator(below.begin()),
                       std::make_move_iterator(below.end()));
    } else {
      fail(input, kind_of(status.type()) + ", not a regular file or directory");
    }
  }
  return documents;
}

std::string read_document(const fs::path& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int error = errno;
    fail(path, error == ENOENT ? "not found" : "cannot open: " + std::string(std::strerror(error)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, "cannot stat: " + std::string(std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");

  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "cannot read: " + std::string(std::strerror(errno)));
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace ck::train
