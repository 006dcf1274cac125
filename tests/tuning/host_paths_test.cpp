// The seam itself: the real host by default, overrides that nest and put back what they replaced.
#include "ckernel/tuning/host_paths.h"

#include <gtest/gtest.h>

namespace ck::tuning {
namespace {

TEST(HostPaths, TheRealHostByDefault) {
  EXPECT_EQ(host_paths().sys, "/sys");
  EXPECT_EQ(host_paths().proc, "/proc");
}

TEST(HostPaths, OverridesNestAndRestore) {
  {
    const ScopedHostPaths outer(HostPaths{"outer/sys", "outer/proc"});
    EXPECT_EQ(host_paths().sys, "outer/sys");
    {
      const ScopedHostPaths inner(HostPaths{"inner/sys", "inner/proc"});
      EXPECT_EQ(host_paths().sys, "inner/sys");
      EXPECT_EQ(host_paths().proc, "inner/proc");
    }
    EXPECT_EQ(host_paths().sys, "outer/sys");
    EXPECT_EQ(host_paths().proc, "outer/proc");
  }
  EXPECT_EQ(host_paths().sys, "/sys");
  EXPECT_EQ(host_paths().proc, "/proc");
}

}  // namespace
}  // namespace ck::tuning
