#include "sysfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/host_paths.h"
#include "file_descriptor.h"

namespace ck::tuning::detail {

std::filesystem::path sys_path(const std::filesystem::path& relative) { return host_paths().sys / relative; }

std::filesystem::path proc_path(const std::filesystem::path& relative) {
  return host_paths().proc / relative;
}

std::string read_text(const std::filesystem::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", path.string());
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno("read", path.string());
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

std::optional<std::string> try_read_text(const std::filesystem::path& path) {
  try {
    return read_text(path);
  } catch (const TuningError&) {
    return std::nullopt;
  }
}

std::string read_line(const std::filesystem::path& path) {
  std::string text = read_text(path);
  const auto newline = text.find('\n');
  if (newline != std::string::npos) text.resize(newline);
  return text;
}

std::uint64_t read_u64(const std::filesystem::path& path) {
  const std::string text = read_line(path);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) {
    throw TuningError("read", path.string(), "expected a number, found '" + text + "'");
  }
  return value;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  // O_TRUNC as the shell's `>` does: sysfs and cgroupfs ignore it, and a regular file (a test's fake
  // tree) then holds only the new value.
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) throw_errno("open", path.string());
  ssize_t written;
  do {
    written = ::write(fd.get(), text.data(), text.size());
  } while (written < 0 && errno == EINTR);
  if (written < 0) throw_errno("write '" + text + "' to", path.string());
  if (static_cast<std::size_t>(written) != text.size()) {
    throw TuningError("write", path.string(), "short write of '" + text + "'");
  }
}

}  // namespace ck::tuning::detail
