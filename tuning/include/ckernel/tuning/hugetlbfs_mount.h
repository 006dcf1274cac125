// A hugetlbfs mount owned by ckd: mounted with a page size and size limits, unmounted (and its mount
// point removed if it created it) when the object ends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ck::tuning {

struct HugetlbfsOptions {
  std::uint64_t page_size = 0;                    // 0: the default huge page size
  std::optional<std::uint64_t> size_limit_bytes;  // size=: the most this mount may hold
  std::optional<std::uint64_t> min_size_bytes;    // min_size=: pages the kernel sets aside at mount time
  mode_t mode = 0770;                             // of the mount's root directory
  std::optional<gid_t> gid;                       // group of the root directory (the workers' group)
};

class HugetlbfsMount {
 public:
  // Creates the mount point (and missing parents) if needed and mounts hugetlbfs there. Throws
  // TuningError("mount", path, errno text) when the kernel refuses (no such page size, not root, or
  // min_size larger than the free pool).
  explicit HugetlbfsMount(std::filesystem::path mount_point, HugetlbfsOptions options = {});
  ~HugetlbfsMount();
  HugetlbfsMount(HugetlbfsMount&& other) noexcept;
  HugetlbfsMount& operator=(HugetlbfsMount&&) = delete;
  HugetlbfsMount(const HugetlbfsMount&) = delete;
  HugetlbfsMount& operator=(const HugetlbfsMount&) = delete;

  const std::filesystem::path& mount_point() const noexcept { return mount_point_; }
  std::uint64_t page_size() const noexcept { return page_size_; }
  const std::string& mount_options() const noexcept { return mount_options_; }
  bool created_mount_point() const noexcept { return !created_directories_.empty(); }

  // Unmounts now (lazily if files are still mapped, so the pages go when the last mapping does) and
  // removes the directories it created. Throws on failure; the destructor does the same silently.
  void unmount();

 private:
  std::filesystem::path mount_point_;
  std::uint64_t page_size_ = 0;
  std::string mount_options_;
  std::vector<std::filesystem::path> created_directories_;  // deepest first
  bool mounted_ = false;
};

// True when path is the root or inside of a hugetlbfs mount (statfs magic).
bool is_hugetlbfs(const std::filesystem::path& path);

// An existing hugetlbfs mount of that page size (0: any), from /proc/self/mountinfo.
std::optional<std::filesystem::path> find_hugetlbfs_mount(std::uint64_t page_size = 0);

// Unmounts every hugetlbfs mounted exactly at mount_point (what a ckd that was killed left, possibly
// several stacked), deleting the files in it first so that their pages go back to the pool at once.
// Returns how many mounts it removed; throws TuningError when one cannot be removed.
std::size_t remove_stale_hugetlbfs_mounts(const std::filesystem::path& mount_point);

// Every hugetlbfs mount point of this mount namespace.
std::vector<std::filesystem::path> hugetlbfs_mount_points();

}  // namespace ck::tuning
