#include "ckernel/tuning/memory_mapping.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sstream>
#include <string>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/units.h"
#include "file_descriptor.h"
#include "sysfs.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

std::uint64_t round_up(std::uint64_t value, std::uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

std::string hex_address(const void* address) {
  char text[32];
  std::snprintf(text, sizeof text, "%p", address);
  return text;
}

// The huge page size of a hugetlbfs mount is its block size.
std::uint64_t hugetlbfs_page_size(const fs::path& file) {
  struct statfs info {};
  if (::statfs(file.parent_path().c_str(), &info) != 0) throw_errno("statfs", file.parent_path().string());
  if (info.f_type != HUGETLBFS_MAGIC) {
    throw TuningError("statfs", file.parent_path().string(), "not a hugetlbfs mount");
  }
  return static_cast<std::uint64_t>(info.f_bsize);
}

MemoryMapping map_shared(const detail::FileDescriptor& fd, std::size_t length, const fs::path& file) {
  void* address = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (address == MAP_FAILED) {
    throw_errno("mmap MAP_SHARED " + format_bytes(length) + " of", file.string());
  }
  return MemoryMapping(address, length);
}

}  // namespace

MemoryMapping::MemoryMapping(void* address, std::size_t length) noexcept
    : address_(address), length_(length) {}

MemoryMapping::~MemoryMapping() {
  if (address_ != nullptr) ::munmap(address_, length_);
}

MemoryMapping::MemoryMapping(MemoryMapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), length_(std::exchange(other.length_, 0)) {}

MemoryMapping& MemoryMapping::operator=(MemoryMapping&& other) noexcept {
  if (this != &other) {
    if (address_ != nullptr) ::munmap(address_, length_);
    address_ = std::exchange(other.address_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

MemoryMapping MemoryMapping::anonymous(std::size_t length) {
  void* address = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) throw_errno("mmap MAP_ANONYMOUS " + format_bytes(length), "");
  return MemoryMapping(address, length);
}

HugePageFile::HugePageFile(fs::path path, std::uint64_t page_size, MemoryMapping mapping)
    : path_(std::move(path)), page_size_(page_size), mapping_(std::move(mapping)) {}

HugePageFile HugePageFile::create(const fs::path& file, std::uint64_t bytes) {
  const std::uint64_t page_size = hugetlbfs_page_size(file);
  const std::uint64_t length = round_up(bytes == 0 ? 1 : bytes, page_size);
  // Whether this call made the file decides whether a failure removes it again.
  bool created = true;
  detail::FileDescriptor fd(::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd && errno == EEXIST) {
    created = false;
    fd = detail::FileDescriptor(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  }
  if (!fd) throw_errno("open O_CREAT", file.string());
  // A file this call made but could not size or map (the pool ran short) is no use to anyone.
  try {
    // hugetlbfs only accepts sizes in whole huge pages, and only grows a file through ftruncate.
    if (::ftruncate(fd.get(), static_cast<off_t>(length)) != 0) {
      throw_errno("ftruncate " + format_bytes(length), file.string());
    }
    return HugePageFile(file, page_size, map_shared(fd, length, file));
  } catch (...) {
    if (created) ::unlink(file.c_str());
    throw;
  }
}

HugePageFile HugePageFile::open(const fs::path& file) {
  const std::uint64_t page_size = hugetlbfs_page_size(file);
  detail::FileDescriptor fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) throw_errno("open", file.string());
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_errno("fstat", file.string());
  if (info.st_size <= 0) throw TuningError("open", file.string(), "the file is empty");
  return HugePageFile(file, page_size, map_shared(fd, static_cast<std::size_t>(info.st_size), file));
}

void HugePageFile::remove_file() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", path_.string());
}

MappingPageStats read_mapping_page_stats(pid_t pid, const void* address) {
  const std::string smaps_path = detail::proc_path(std::to_string(pid)) / "smaps";
  std::istringstream lines(detail::read_text(smaps_path));
  const auto target = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  bool inside = false;
  bool found = false;
  MappingPageStats stats;
  while (std::getline(lines, line)) {
    unsigned long start = 0, end = 0;
    // A mapping's header line is "start-end perms offset dev inode path"; counter lines are "Key: n kB".
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2 && line.find(':') > line.find(' ')) {
      if (found) break;
      inside = target >= start && target < end;
      found = inside;
      continue;
    }
    if (!inside) continue;
    char key[64];
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "%63[^:]: %llu kB", key, &kib) != 2) continue;
    const std::string name = key;
    const std::uint64_t bytes = kib * kKiB;
    if (name == "Size") stats.size = bytes;
    if (name == "KernelPageSize") stats.kernel_page_size = bytes;
    if (name == "Rss") stats.rss = bytes;
    if (name == "AnonHugePages") stats.anon_huge_pages = bytes;
    if (name == "Shared_Hugetlb") stats.shared_hugetlb = bytes;
    if (name == "Private_Hugetlb") stats.private_hugetlb = bytes;
  }
  if (!found) throw TuningError("read", smaps_path, "no mapping contains address " + hex_address(address));
  return stats;
}

void populate(void* address, std::size_t length, bool for_write) {
  if (::madvise(address, length, for_write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0) return;
  if (errno != EINVAL) {
    // ENOMEM / EFAULT: the memory is not there (a huge page pool ran dry, a cgroup limit).
    throw_errno(for_write ? "madvise MADV_POPULATE_WRITE" : "madvise MADV_POPULATE_READ",
                hex_address(address) + " +" + format_bytes(length));
  }
  // Kernels before 5.14 lack MADV_POPULATE_*: touch one byte per base page instead.
  const auto step = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  auto* bytes = static_cast<volatile std::byte*>(address);
  for (std::size_t offset = 0; offset < length; offset += step) {
    if (for_write) {
      bytes[offset] = std::byte{0};
    } else {
      static_cast<void>(bytes[offset]);
    }
  }
}

}  // namespace ck::tuning
