#include "ckernel/tuning/resident_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/truncation_guard.h"
#include "ckernel/tuning/units.h"
#include "file_descriptor.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

MemoryMapping map_read_only(int fd, const fs::path& source, std::uint64_t bytes) {
  void* address = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) throw_errno("mmap PROT_READ", source.string());
  return MemoryMapping(address, bytes);
}

// One name per copy: the file, the node and a sequence number, so that a copy made while an older one of
// the same file is being released (or one a crashed ckd left behind) never shares its name.
std::string copy_name(const FileIdentity& identity, std::optional<int> node, std::uint64_t sequence) {
  char name[160];
  std::snprintf(
      name, sizeof name, "%llx-%llu-%llu-%lld-%s-%llu.gguf", static_cast<unsigned long long>(identity.device),
      static_cast<unsigned long long>(identity.inode), static_cast<unsigned long long>(identity.size),
      static_cast<long long>(identity.mtime_ns), node ? ("node" + std::to_string(*node)).c_str() : "any",
      static_cast<unsigned long long>(sequence));
  return name;
}

FileIdentity identity_of(const struct stat& info, const fs::path& path) {
  if (!S_ISREG(info.st_mode)) throw TuningError("stat", path.string(), "not a regular file");
  return FileIdentity{info.st_dev, info.st_ino, static_cast<std::uint64_t>(info.st_size),
                      std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec};
}

}  // namespace

FileIdentity FileIdentity::of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw_errno("stat", path.string());
  return identity_of(info, path);
}

FileIdentity FileIdentity::of(int fd, const fs::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw_errno("fstat", path.string());
  return identity_of(info, path);
}

ResidentFile::ResidentFile(fs::path source, fs::path resident_path, std::uint64_t content_bytes,
                           bool in_hugepages, std::optional<int> node, std::string placement,
                           std::shared_ptr<const void> pages, FileIdentity identity)
    : source_(std::move(source)),
      resident_path_(std::move(resident_path)),
      content_bytes_(content_bytes),
      in_hugepages_(in_hugepages),
      node_(node),
      placement_(std::move(placement)),
      pages_(std::move(pages)),
      identity_(identity) {}

std::string ResidentFile::identity_text() const {
  return std::to_string(identity_.device) + ":" + std::to_string(identity_.inode) + ":" +
         std::to_string(identity_.size) + ":" + std::to_string(identity_.mtime_ns);
}

ResidentFile::~ResidentFile() {
  if (in_hugepages_) ::unlink(resident_path_.c_str());
}

ResidentFileStore::ResidentFileStore(std::optional<fs::path> hugetlbfs_directory, CopyEngine& copy_engine,
                                     HugePageReserver reserver)
    : hugetlbfs_directory_(std::move(hugetlbfs_directory)),
      copy_engine_(copy_engine),
      reserver_(std::move(reserver)) {}

std::shared_ptr<const ResidentFile> ResidentFileStore::acquire(const fs::path& source,
                                                               std::optional<int> node,
                                                               const CopyProgress& progress) {
  detail::FileDescriptor fd(::open(source.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) throw_errno("open", source.string());
  return acquire(source, fd.get(), node, progress);
}

std::shared_ptr<const ResidentFile> ResidentFileStore::acquire(const fs::path& source, int fd,
                                                               std::optional<int> node,
                                                               const CopyProgress& progress) {
  std::erase_if(copies_, [](const auto& entry) { return entry.second.expired(); });
  const Key key{FileIdentity::of(fd, source), node};
  if (auto existing = copies_[key].lock()) return existing;
  auto placed = place(source, fd, key, progress);
  copies_[key] = placed;
  return placed;
}

std::size_t ResidentFileStore::live_copies() const {
  return static_cast<std::size_t>(std::count_if(copies_.begin(), copies_.end(),
                                                [](const auto& entry) { return !entry.second.expired(); }));
}

std::shared_ptr<const ResidentFile> ResidentFileStore::place(const fs::path& source, int fd, const Key& key,
                                                             const CopyProgress& progress) {
  const std::uint64_t bytes = key.identity.size;
  if (bytes == 0) throw TuningError("mmap", source.string(), "the file is empty");
  const MemoryMapping original = map_read_only(fd, source, bytes);
  std::string why_not_hugetlbfs = "no hugetlbfs mount";
  if (hugetlbfs_directory_) {
    const fs::path copy_path = *hugetlbfs_directory_ / copy_name(key.identity, key.node, ++copies_made_);
    try {
      std::shared_ptr<const void> pages = reserver_ ? reserver_(key.node, bytes) : nullptr;
      HugePageFile copy = HugePageFile::create(copy_path, bytes);
      try {
        // The policy must be in place before the copy faults the pages in.
        if (key.node)
          set_region_policy(copy.data(), copy.size(), MemoryPolicy::bind(IdList{*key.node}), false);
        // The source is a client's file: a truncation while it is copied must not kill ckd.
        const TruncationGuard guard(original.data(), bytes);
        copy_engine_.copy(copy.data(), original.data(), bytes, progress);
        if (guard.truncated())
          throw FileShrank(source.string() + ": the file shrank while it was being copied");
      } catch (...) {
        copy.remove_file();
        throw;
      }
      std::string placement = "hugetlbfs " + format_bytes(copy.page_size()) + " pages";
      if (key.node) placement += ", node " + std::to_string(*key.node);
      return std::make_shared<const ResidentFile>(source, copy_path, bytes, true, key.node,
                                                  std::move(placement), std::move(pages), key.identity);
    } catch (const TuningError& e) {
      // A short pool is the expected reason; the page cache still serves the file, only more slowly.
      why_not_hugetlbfs = e.what();
    }
  }
  if (progress) progress(bytes, bytes);
  return std::make_shared<const ResidentFile>(source, source, bytes, false, key.node,
                                              "page cache (" + why_not_hugetlbfs + ")", nullptr,
                                              key.identity);
}

}  // namespace ck::tuning
