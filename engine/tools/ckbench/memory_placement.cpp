#include "memory_placement.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "ckernel/tuning/placement.h"
#include "ckernel/tuning/resident_file.h"
#include "ckernel/tuning/units.h"

namespace ck::bench {
namespace {

namespace tuning = ck::tuning;
namespace fs = std::filesystem;

constexpr uint64_t kHugePage = uint64_t{2} << 20;
// Every session buffer takes at least one huge page; a session has about a dozen of them.
constexpr uint64_t kSessionBufferPages = 32;

std::string describe_placement(const tuning::Placement& p) {
  return std::string(tuning::to_string(p.kind)) + ", " + tuning::format_bytes(p.page_size) + " pages";
}

// A region from the fallback chain whose hugetlbfs file is unlinked at once: the mapping keeps its pages
// until it ends, and nothing is left behind in the mount.
std::shared_ptr<tuning::WeightRegion> map_region(const fs::path& file, uint64_t bytes) {
  auto region = std::make_shared<tuning::WeightRegion>(tuning::map_weight_region(
      {.bytes = bytes, .hugetlbfs_file = file, .node = std::nullopt, .populate = true}));
  if (region->file) ::unlink(region->file->c_str());
  return region;
}

class HugetlbfsBufferAllocator final : public BufferAllocator {
 public:
  explicit HugetlbfsBufferAllocator(fs::path directory) : directory_(std::move(directory)) {}

  Buffer allocate(size_t bytes) override {
    if (bytes == 0) return {};
    const fs::path file = directory_ / ("session-buffer-" + std::to_string(next_++));
    std::shared_ptr<tuning::WeightRegion> region = map_region(file, bytes);
    if (region->placement.kind != tuning::PageKind::hugetlbfs)
      fell_back_ = describe_placement(region->placement);
    const std::span<std::byte> span(region->memory.data(), bytes);
    return Buffer(span, std::move(region));
  }

  std::string describe() const override {
    return fell_back_.empty() ? "hugetlbfs, 2 MiB pages"
                              : "hugetlbfs, partly " + fell_back_ + " (pool short)";
  }

 private:
  fs::path directory_;
  uint64_t next_ = 0;
  std::string fell_back_;
};

tuning::HugetlbfsOptions hugetlbfs_options() {
  tuning::HugetlbfsOptions options;
  options.page_size = kHugePage;
  return options;
}

uint64_t pages_for(uint64_t bytes) { return (bytes + kHugePage - 1) / kHugePage; }

fs::path mount_point() {
  return fs::temp_directory_path() / ("ckbench-hugetlbfs-" + std::to_string(::getpid()));
}

}  // namespace

HugePageMemory::HugePageMemory(uint64_t model_bytes, uint64_t session_bytes)
    : reservation_(0, kHugePage, pages_for(model_bytes) + pages_for(session_bytes) + kSessionBufferPages),
      mount_(mount_point(), hugetlbfs_options()),
      copy_engine_(tuning::choose_copy_engine().engine),
      allocator_(std::make_shared<HugetlbfsBufferAllocator>(mount_.mount_point())) {}

HugePageMemory::~HugePageMemory() = default;

ModelImage HugePageMemory::load_model(const std::string& path) {
  // ckd's way: a resident copy in hugetlbfs (the page cache when the pool is short), mapped whole.
  tuning::ResidentFileStore store(mount_.mount_point(), *copy_engine_);
  std::fprintf(stderr, "ckbench: copying %s into hugetlbfs with %s\n", path.c_str(),
               copy_engine_->name().c_str());
  std::shared_ptr<const tuning::ResidentFile> resident = store.acquire(path, std::nullopt);
  if (!resident->in_hugepages()) {
    ModelImage image = map_model_file(path);
    image.placement = resident->placement();
    return image;
  }
  struct Copy {
    std::shared_ptr<const tuning::ResidentFile> file;
    tuning::HugePageFile mapping;
  };
  auto copy = std::make_shared<Copy>(Copy{resident, tuning::HugePageFile::open(resident->path())});
  const std::span<const std::byte> bytes(copy->mapping.data(), resident->content_bytes());
  return ModelImage{bytes, std::move(copy), path, resident->placement()};
}

}  // namespace ck::bench
