// ResidentFile on a real hugetlbfs mount: one copy per (file, node) however many hold it, huge pages
// taken once and given back when the last holder lets go, the page cache when there is no mount.
#include "ckernel/tuning/resident_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ckernel/tuning/cpu_copy_engine.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/units.h"
#include "host_state.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kPage = 2 * kMiB;
const fs::path kModel = fs::path(CK_TEST_DATA_DIR) / "models" / "tiny-llama-Q4_K_M.gguf";

std::uint64_t free_pages() { return node_hugepage_pool(0, kPage).free; }

std::size_t files_in(const fs::path& directory) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(directory), fs::directory_iterator{}));
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ResidentFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (huge page pools and hugetlbfs mounts)";
    reservation_.emplace(0, kPage, 16);
    if (reservation_->granted() < 8)
      GTEST_SKIP() << "the kernel granted too few huge pages: " << reservation_->summary();
    mount_.emplace(fs::path(testing::kTestRoot) / "resident");
  }

  std::optional<HugePageReservation> reservation_;
  std::optional<HugetlbfsMount> mount_;
  CpuCopyEngine engine_;
};

TEST_F(ResidentFileTest, TwoHoldersShareOneHugetlbfsCopy) {
  ResidentFileStore store(mount_->mount_point(), engine_);
  const std::uint64_t pages = (fs::file_size(kModel) + kPage - 1) / kPage;
  const std::uint64_t free_before = free_pages();
  std::size_t last_done = 0, last_total = 0;
  auto first = store.acquire(kModel, 0, [&](std::size_t done, std::size_t total) {
    last_done = done;
    last_total = total;
  });
  EXPECT_TRUE(first->in_hugepages()) << first->placement();
  EXPECT_EQ(first->placement(), "hugetlbfs 2 MiB pages, node 0");
  EXPECT_EQ(last_done, fs::file_size(kModel));
  EXPECT_EQ(last_total, fs::file_size(kModel));
  EXPECT_EQ(free_pages(), free_before - pages);

  auto second = store.acquire(kModel, 0);
  EXPECT_EQ(second, first);
  EXPECT_EQ(free_pages(), free_before - pages) << "the second holder took pages of its own";
  EXPECT_EQ(files_in(mount_->mount_point()), 1u);
  EXPECT_EQ(store.live_copies(), 1u);

  // The copy holds the file's bytes; the rest of the last page is zero.
  const std::string copy = file_bytes(first->path());
  const std::string original = file_bytes(kModel);
  ASSERT_EQ(copy.size(), pages * kPage);
  EXPECT_EQ(copy.compare(0, original.size(), original), 0);

  first.reset();
  EXPECT_EQ(files_in(mount_->mount_point()), 1u) << "removed while still held";
  second.reset();
  EXPECT_EQ(files_in(mount_->mount_point()), 0u);
  EXPECT_EQ(free_pages(), free_before);
  EXPECT_EQ(store.live_copies(), 0u);
}

TEST_F(ResidentFileTest, EachNodeBindingGetsItsOwnCopy) {
  ResidentFileStore store(mount_->mount_point(), engine_);
  const auto bound = store.acquire(kModel, 0);
  const auto unbound = store.acquire(kModel, std::nullopt);
  EXPECT_NE(bound, unbound);
  EXPECT_NE(bound->path(), unbound->path());
  EXPECT_EQ(files_in(mount_->mount_point()), 2u);
}

TEST_F(ResidentFileTest, WithoutAMountTheFileStaysInThePageCache) {
  ResidentFileStore store(std::nullopt, engine_);
  const auto file = store.acquire(kModel, 0);
  EXPECT_FALSE(file->in_hugepages());
  EXPECT_EQ(file->path(), kModel);
  EXPECT_EQ(file->content_bytes(), fs::file_size(kModel));
  EXPECT_EQ(file->placement(), "page cache (no hugetlbfs mount)");
}

TEST_F(ResidentFileTest, AMissingFileIsAnErrorNamingIt) {
  ResidentFileStore store(mount_->mount_point(), engine_);
  try {
    store.acquire("/nonexistent/model.gguf", 0);
    FAIL();
  } catch (const TuningError& e) {
    EXPECT_STREQ(e.what(), "open /nonexistent/model.gguf: No such file or directory");
  }
}

}  // namespace
}  // namespace ck::tuning
