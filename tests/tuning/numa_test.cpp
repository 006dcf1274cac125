// NUMA policies set and read back through the kernel, and where pages actually landed.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning {
namespace {

std::string node7_refusal(const std::string& call) {
  return call + ": NUMA node 7 does not exist (nodes with memory: " + nodes_with_memory().to_string() + ")";
}

TEST(NumaPolicy, ThreadPolicyIsSetReadBackAndRestored) {
  const MemoryPolicy original = thread_policy();
  for (const MemoryPolicy& policy : {MemoryPolicy::bind(IdList{0}), MemoryPolicy::interleave(IdList{0}),
                                     MemoryPolicy::preferred(0), MemoryPolicy::local()}) {
    {
      ScopedThreadPolicy scoped(policy);
      EXPECT_EQ(scoped.previous(), original);
      EXPECT_EQ(thread_policy(), policy) << policy.to_string();
    }
    EXPECT_EQ(thread_policy(), original) << "not restored after " << policy.to_string();
  }
}

TEST(NumaPolicy, ThreadBindPlacesNewPagesOnTheNode) {
  ScopedThreadPolicy scoped(MemoryPolicy::bind(IdList{0}));
  MemoryMapping memory = MemoryMapping::anonymous(4 * kMiB);
  std::memset(memory.data(), 1, memory.size());
  for (const int node : page_nodes(memory.data(), memory.size())) ASSERT_EQ(node, 0);
}

TEST(NumaPolicy, RegionPolicyIsSetReadBackAndPagesLandOnNode0) {
  MemoryMapping memory = MemoryMapping::anonymous(8 * kMiB);
  EXPECT_EQ(region_policy(memory.data()), MemoryPolicy{}) << "a fresh mapping follows the thread's policy";
  set_region_policy(memory.data(), memory.size(), MemoryPolicy::bind(IdList{0}));
  EXPECT_EQ(region_policy(memory.data()), MemoryPolicy::bind(IdList{0}));
  EXPECT_EQ(region_policy(memory.data() + memory.size() - 1), MemoryPolicy::bind(IdList{0}));

  // Nothing touched yet: move_pages reports every page as absent.
  const std::vector<int> untouched = page_nodes(memory.data(), memory.size());
  ASSERT_EQ(untouched.size(), memory.size() / 4096);
  for (const int status : untouched) ASSERT_EQ(status, -ENOENT);

  populate(memory.data(), memory.size(), /*for_write=*/true);
  for (const int node : page_nodes(memory.data(), memory.size())) ASSERT_EQ(node, 0);

  set_region_policy(memory.data(), memory.size(), MemoryPolicy::interleave(IdList{0}));
  EXPECT_EQ(region_policy(memory.data()), MemoryPolicy::interleave(IdList{0}));
}

TEST(NumaPolicy, NodeLocalBufferIsOnItsNode) {
  NodeLocalBuffer buffer(4 * kMiB, 0);
  EXPECT_EQ(buffer.node(), 0);
  populate(buffer.data(), buffer.size(), /*for_write=*/true);
  for (const int node : page_nodes(buffer.data(), buffer.size())) ASSERT_EQ(node, 0);
}

TEST(NumaPolicy, Node7IsRefusedWithAClearMessage) {
  MemoryMapping memory = MemoryMapping::anonymous(kMiB);
  const auto expect_refusal = [](auto&& action, const std::string& call) {
    try {
      action();
      FAIL() << call << " accepted node 7";
    } catch (const TuningError& error) {
      EXPECT_EQ(std::string(error.what()), node7_refusal(call));
      EXPECT_EQ(error.error_number(), 0) << "refused before any syscall";
    }
  };
  expect_refusal(
      [&] {
        set_region_policy(memory.data(), memory.size(), MemoryPolicy::bind(IdList{0, 7}));
      },
      "mbind");
  expect_refusal([] { set_thread_policy(MemoryPolicy::preferred(7)); }, "set_mempolicy");
  expect_refusal([] { NodeLocalBuffer buffer(kMiB, 7); }, "numa_alloc_onnode");
  EXPECT_EQ(region_policy(memory.data()), MemoryPolicy{}) << "a refused policy must change nothing";
}

TEST(NumaPolicy, MalformedPoliciesAreRefused) {
  EXPECT_THROW(set_thread_policy(MemoryPolicy{MemoryPolicyMode::bind, {}}), TuningError);
  EXPECT_THROW(set_thread_policy(MemoryPolicy{MemoryPolicyMode::local, IdList{0}}), TuningError);
}

}  // namespace
}  // namespace ck::tuning
