// A file's bytes kept resident for model workers: copied once into a hugetlbfs file (per NUMA node) that
// every worker maps read-only, or, when no huge pages can be had, left in the page cache. Copies are
// shared by everyone who asks for the same file on the same node and removed when the last user lets go.
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "ckernel/tuning/copy_engine.h"

namespace ck::tuning {

// What makes two paths the same file with the same contents: a file rewritten in place gets a new mtime,
// a replaced one a new inode, so neither is served from a stale copy.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;

  // Throws TuningError("stat", path, ...) when the file is missing, and a refusal when it is not a
  // regular file.
  static FileIdentity of(const std::filesystem::path& path);
  // The same for a file already open (path only names it in messages).
  static FileIdentity of(int fd, const std::filesystem::path& path);
  auto operator<=>(const FileIdentity&) const = default;
};

class ResidentFile {
 public:
  // `pages` keeps the huge pages reserved for the copy (if the store reserves per copy) for as long as it
  // exists.
  ResidentFile(std::filesystem::path source, std::filesystem::path resident_path, std::uint64_t content_bytes,
               bool in_hugepages, std::optional<int> node, std::string placement,
               std::shared_ptr<const void> pages = nullptr, FileIdentity identity = {});
  // Unlinks the hugetlbfs copy, then lets its page reservation go; the pages go back to the pool when
  // the last worker unmaps them.
  ~ResidentFile();
  ResidentFile(const ResidentFile&) = delete;
  ResidentFile& operator=(const ResidentFile&) = delete;

  const std::filesystem::path& source() const noexcept { return source_; }
  // What a worker maps: the hugetlbfs copy, or the source itself.
  const std::filesystem::path& path() const noexcept { return resident_path_; }
  // The source's size; a hugetlbfs copy is longer, rounded up to whole huge pages.
  std::uint64_t content_bytes() const noexcept { return content_bytes_; }
  bool in_hugepages() const noexcept { return in_hugepages_; }
  std::optional<int> node() const noexcept { return node_; }
  // "hugetlbfs 2 MiB pages, node 0" or "page cache (hugetlbfs: ...)".
  const std::string& placement() const noexcept { return placement_; }
  // The source file as it was read (device, inode, size, mtime): whoever opens it again by name checks
  // that it is still the same file.
  const FileIdentity& identity() const noexcept { return identity_; }
  // "device:inode:size:mtime_ns", the form ckd-worker takes it in.
  std::string identity_text() const;

 private:
  std::filesystem::path source_;
  std::filesystem::path resident_path_;
  std::uint64_t content_bytes_;
  bool in_hugepages_;
  std::optional<int> node_;
  std::string placement_;
  std::shared_ptr<const void> pages_;  // destroyed after the destructor has unlinked the copy
  FileIdentity identity_;
};

// The source got shorter while it was being copied (someone truncated it): not a reason to fall back to
// the page cache, the load fails.
class FileShrank : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reserves huge pages for one copy of `bytes` bound to `node` (unset: any node) and returns what holds
// them; the reservation ends when the returned owner is released. Throws TuningError when the pages
// cannot be had (a cap, a short pool); the file then stays in the page cache and its placement says why.
using HugePageReserver =
    std::function<std::shared_ptr<const void>(std::optional<int> node, std::uint64_t bytes)>;

class ResidentFileStore {
 public:
  // Copies go into hugetlbfs_directory (a directory on a hugetlbfs mount) with copy_engine; without a
  // directory every file stays in the page cache. The engine must outlive the store.
  // With a reserver, every copy first reserves its own pages (and gives them back when it ends); without
  // one, copies use whatever the pool has free.
  ResidentFileStore(std::optional<std::filesystem::path> hugetlbfs_directory, CopyEngine& copy_engine,
                    HugePageReserver reserver = {});

  // The resident copy of source for node (unset: no binding), made now if nobody holds one. A copy that
  // fails for want of huge pages falls back to the page cache and says why in placement(). Throws
  // TuningError when the source cannot be read at all.
  std::shared_ptr<const ResidentFile> acquire(const std::filesystem::path& source, std::optional<int> node,
                                              const CopyProgress& progress = {});
  // The same for a file the caller has open (as the user who asked for it): the bytes are read through
  // `fd`, never by path, so what is copied is what that user could read. `source` names it.
  std::shared_ptr<const ResidentFile> acquire(const std::filesystem::path& source, int fd,
                                              std::optional<int> node, const CopyProgress& progress = {});

  // Copies somebody still holds. Like acquire(), to be called from one thread at a time.
  std::size_t live_copies() const;

 private:
  struct Key {
    FileIdentity identity;
    std::optional<int> node;
    auto operator<=>(const Key&) const = default;
  };
  std::shared_ptr<const ResidentFile> place(const std::filesystem::path& source, int fd, const Key& key,
                                            const CopyProgress& progress);

  std::optional<std::filesystem::path> hugetlbfs_directory_;
  CopyEngine& copy_engine_;
  HugePageReserver reserver_;
  std::map<Key, std::weak_ptr<const ResidentFile>> copies_;
  std::uint64_t copies_made_ = 0;
};

}  // namespace ck::tuning
