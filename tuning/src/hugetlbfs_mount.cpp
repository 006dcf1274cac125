#include "ckernel/tuning/hugetlbfs_mount.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/units.h"
#include "sysfs.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

struct MountEntry {
  fs::path mount_point;
  std::string fs_type;
  std::string super_options;
};

// mountinfo escapes blanks in paths as \040 and the like.
std::string unescape_mountinfo(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<MountEntry> read_mountinfo() {
  std::vector<MountEntry> entries;
  std::istringstream lines(detail::read_text(detail::proc_path("self/mountinfo")));
  std::string line;
  while (std::getline(lines, line)) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, options, field;
    fields >> id >> parent >> device >> root >> mount_point >> options;
    while (fields >> field && field != "-") {
    }
    MountEntry entry;
    entry.mount_point = unescape_mountinfo(mount_point);
    std::string source;
    fields >> entry.fs_type >> source >> entry.super_options;
    entries.push_back(std::move(entry));
  }
  return entries;
}

// "pagesize=2M" in the super options -> 2 MiB; hugetlbfs always reports it.
std::uint64_t page_size_of(const MountEntry& entry) {
  const auto at = entry.super_options.find("pagesize=");
  if (at == std::string::npos) return 0;
  std::size_t used = 0;
  const std::string text = entry.super_options.substr(at + 9);
  std::uint64_t value = std::stoull(text, &used);
  const char unit = used < text.size() ? text[used] : ' ';
  if (unit == 'K') value *= kKiB;
  if (unit == 'M') value *= kMiB;
  if (unit == 'G') value *= kGiB;
  return value;
}

std::string build_options(const HugetlbfsOptions& options, std::uint64_t page_size) {
  std::string text = "pagesize=" + std::to_string(page_size);
  if (options.size_limit_bytes) text += ",size=" + std::to_string(*options.size_limit_bytes);
  if (options.min_size_bytes) text += ",min_size=" + std::to_string(*options.min_size_bytes);
  if (options.gid) text += ",gid=" + std::to_string(*options.gid);
  char mode[16];
  std::snprintf(mode, sizeof mode, ",mode=%04o", static_cast<unsigned>(options.mode));
  return text + mode;
}

// Creates path and its missing parents; returns the directories it created, deepest first.
std::vector<fs::path> create_directories_recording(const fs::path& path) {
  std::vector<fs::path> missing;
  for (fs::path p = path; !p.empty() && !fs::exists(p); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.root_path()) break;
  }
  std::vector<fs::path> created;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      const int error = errno;
      for (const fs::path& made : created) ::rmdir(made.c_str());
      throw_errno("mkdir", it->string(), error);
    }
    created.insert(created.begin(), *it);
  }
  return created;
}

}  // namespace

HugetlbfsMount::HugetlbfsMount(fs::path mount_point, HugetlbfsOptions options)
    : mount_point_(std::move(mount_point)),
      page_size_(options.page_size != 0 ? options.page_size : default_hugepage_size()) {
  mount_options_ = build_options(options, page_size_);
  created_directories_ = create_directories_recording(mount_point_);
  if (::mount("hugetlbfs", mount_point_.c_str(), "hugetlbfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              mount_options_.c_str()) != 0) {
    const int error = errno;
    for (const fs::path& dir : created_directories_) ::rmdir(dir.c_str());
    throw TuningError::from_errno("mount -t hugetlbfs -o " + mount_options_, mount_point_.string(), error);
  }
  mounted_ = true;
}

HugetlbfsMount::HugetlbfsMount(HugetlbfsMount&& other) noexcept
    : mount_point_(std::move(other.mount_point_)),
      page_size_(other.page_size_),
      mount_options_(std::move(other.mount_options_)),
      created_directories_(std::move(other.created_directories_)),
      mounted_(std::exchange(other.mounted_, false)) {
  other.created_directories_.clear();
}

HugetlbfsMount::~HugetlbfsMount() {
  try {
    unmount();
  } catch (const TuningError&) {
    // A destructor cannot report; the test environment and ckd's start-up sweep catch leftovers.
  }
}

void HugetlbfsMount::unmount() {
  if (mounted_) {
    mounted_ = false;
    if (::umount2(mount_point_.c_str(), 0) != 0) {
      // Still mapped by some process: detach it from the namespace now, the kernel frees it later.
      if (errno != EBUSY || ::umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
        throw_errno("umount", mount_point_.string());
      }
    }
  }
  auto created = std::move(created_directories_);
  created_directories_.clear();
  for (const fs::path& dir : created) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) throw_errno("rmdir", dir.string());
  }
}

bool is_hugetlbfs(const fs::path& path) {
  struct statfs info {};
  return ::statfs(path.c_str(), &info) == 0 && info.f_type == HUGETLBFS_MAGIC;
}

std::optional<fs::path> find_hugetlbfs_mount(std::uint64_t page_size) {
  for (const MountEntry& entry : read_mountinfo()) {
    if (entry.fs_type != "hugetlbfs") continue;
    if (page_size == 0 || page_size_of(entry) == page_size) return entry.mount_point;
  }
  return std::nullopt;
}

std::size_t remove_stale_hugetlbfs_mounts(const fs::path& mount_point) {
  std::size_t removed = 0;
  std::error_code error;
  const fs::path wanted = fs::weakly_canonical(mount_point, error);
  while (true) {
    const auto mounts = read_mountinfo();
    const bool mounted = std::any_of(mounts.begin(), mounts.end(), [&wanted](const MountEntry& entry) {
      return entry.fs_type == "hugetlbfs" && entry.mount_point == wanted;
    });
    if (!mounted) return removed;
    for (const auto& entry : fs::directory_iterator(wanted, error)) {
      if (entry.is_regular_file() && ::unlink(entry.path().c_str()) != 0 && errno != ENOENT)
        throw_errno("unlink", entry.path().string());
    }
    if (::umount2(wanted.c_str(), MNT_DETACH) != 0) throw_errno("umount", wanted.string());
    ++removed;
  }
}

std::vector<fs::path> hugetlbfs_mount_points() {
  std::vector<fs::path> points;
  for (const MountEntry& entry : read_mountinfo()) {
    if (entry.fs_type == "hugetlbfs") points.push_back(entry.mount_point);
  }
  return points;
}

}  // namespace ck::tuning
