// Small helpers shared by the tuning tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "host_state.h"

// The tests that write nr_hugepages, mount, or create cgroups need root; CI runs them as root.
#define CK_REQUIRE_ROOT()                                                           \
  do {                                                                              \
    if (::geteuid() != 0)                                                           \
      GTEST_SKIP() << "needs root (writes nr_hugepages, mounts hugetlbfs, creates " \
                      "cgroups); CI runs this suite as root";                       \
  } while (0)

namespace ck::tuning::testing {

// A fresh path under the test root for this test ("/tmp/ckernel-tuning-test/<suite>.<test>/<leaf>").
inline std::filesystem::path test_path(const std::string& leaf) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::path(kTestRoot) / (std::string(info->test_suite_name()) + "." + info->name()) /
         leaf;
}

// Removes a test's directory (the parent of its test_path()s) and the test root when that is empty.
inline void remove_test_directory(const std::filesystem::path& test_directory) {
  std::error_code ignored;
  std::filesystem::remove_all(test_directory, ignored);
  std::filesystem::remove(kTestRoot, ignored);  // only succeeds when empty
}

}  // namespace ck::tuning::testing
