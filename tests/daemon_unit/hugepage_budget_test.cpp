// HugePageBudget on the real kernel pool: a reservation grows node 0's pool by exactly the pages a copy
// needs and gives them back when its holder lets go; the cap refuses what would exceed it; the ledger
// always says what is held, and the next instance gives back what a killed one recorded.
#include "hugepage_budget.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/units.h"
#include "host_state.h"

namespace ck::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kPage = 2 * tuning::kMiB;

std::uint64_t pool_total() { return tuning::node_hugepage_pool(0, kPage).total; }

std::string ledger_text(const fs::path& ledger) {
  std::ifstream in(ledger);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class HugePageBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (huge page pools)";
    directory_ = fs::path(tuning::testing::kTestRoot) / "budget";
    fs::create_directories(directory_);
    ledger_ = directory_ / "hugepages.ledger";
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path directory_;
  fs::path ledger_;
};

TEST_F(HugePageBudgetTest, ReservesWhatACopyNeedsAndGivesItBack) {
  HugePageBudget budget(8, kPage, tuning::IdList{0}, ledger_);
  const std::uint64_t before = pool_total();
  {
    const auto hold = budget.reserve(0, 3 * kPage + 1);  // four pages: whole pages only
    if (pool_total() != before + 4) GTEST_SKIP() << "the kernel could not grow the pool by 4 pages";
    EXPECT_EQ(budget.reserved_pages(), 4u);
    EXPECT_EQ(ledger_text(ledger_), "0 4\n");
  }
  EXPECT_EQ(pool_total(), before);
  EXPECT_EQ(budget.reserved_pages(), 0u);
  EXPECT_EQ(ledger_text(ledger_), "");
}

TEST_F(HugePageBudgetTest, TheCapRefusesAndNamesTheSetting) {
  HugePageBudget budget(2, kPage, tuning::IdList{0}, ledger_);
  const std::uint64_t before = pool_total();
  try {
    budget.reserve(0, 3 * kPage);
    FAIL() << "three pages passed a cap of two";
  } catch (const tuning::TuningError& e) {
    EXPECT_NE(std::string(e.what()).find("at most 2 (the hugepages setting)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pool_total(), before);
  EXPECT_EQ(budget.reserved_pages(), 0u);
}

TEST_F(HugePageBudgetTest, TheNextInstanceGivesBackWhatAKilledOneRecorded) {
  const std::uint64_t before = pool_total();
  // What a ckd killed while holding two pages leaves: a pool two pages bigger, and its ledger.
  const fs::path count = tuning::node_hugepage_directory(0, kPage) / "nr_hugepages";
  std::ofstream(count) << before + 2;
  if (pool_total() != before + 2) {
    std::ofstream(count) << before;
    GTEST_SKIP() << "the kernel could not grow the pool by 2 pages";
  }
  std::ofstream(ledger_) << "0 2\n";
  const auto report = HugePageBudget::release_previous(ledger_, kPage);
  ASSERT_TRUE(report.has_value());
  EXPECT_NE(report->find("2 on node 0"), std::string::npos) << *report;
  EXPECT_EQ(pool_total(), before);
  EXPECT_FALSE(fs::exists(ledger_));
  EXPECT_FALSE(HugePageBudget::release_previous(ledger_, kPage).has_value());
}

}  // namespace
}  // namespace ck::daemon
