#include <gtest/gtest.h>

#include "errors.h"
#include "names.h"
#include "tenant.h"

namespace ck::daemon {
namespace {

using tuning::IdList;

// The error name a call throws, or "" when it succeeds.
template <class Call>
std::string error_of(Call&& call) {
  try {
    call();
    return "";
  } catch (const DaemonError& e) {
    return e.name();
  }
}

TEST(DaemonNames, AcceptsOnlyTheDocumentedAlphabet) {
  for (const std::string& good :
       std::initializer_list<std::string>{"a", "tenant-1", "Q4_K.M", "0x", std::string(64, 'n')}) {
    EXPECT_EQ(error_of([&] { require_valid_name(good, "tenant"); }), "") << good;
  }
  for (const std::string& bad :
       std::initializer_list<std::string>{"", "-a", ".hidden", "a/b", "a b", "ü", std::string(65, 'n')}) {
    EXPECT_EQ(error_of([&] { require_valid_name(bad, "tenant"); }), error_name::kInvalidArgument) << bad;
  }
}

TEST(DaemonNames, TenantNamesMayNotBeCgroupInterfaceFiles) {
  for (const std::string bad :
       {"tasks", "cgroup.procs", "cgroup.subtree_control", "cpuset.cpus", "memory.max", "cpu.weight",
        "io.max", "pids.max", "notify_on_release", "release_agent"}) {
    EXPECT_EQ(error_of([&] { require_valid_name(bad, "tenant"); }), error_name::kInvalidArgument) << bad;
  }
  // Names that merely resemble them stay valid, and model names never become cgroups.
  for (const std::string good : {"tasks2", "memory", "cpu-heavy", "cgroup", "io"}) {
    EXPECT_EQ(error_of([&] { require_valid_name(good, "tenant"); }), "") << good;
  }
  EXPECT_EQ(error_of([&] { require_valid_name("memory.q4", "model"); }), "");
}

TEST(DaemonNames, ObjectPathsEscapeNames) {
  EXPECT_EQ(tenant_path("a"), "/org/ckernel/Manager1/tenant/a");
  EXPECT_EQ(model_path("a", "tiny-llama.Q4"), "/org/ckernel/Manager1/tenant/a/model/tiny_2dllama_2eQ4");
}

class TenantValidation : public ::testing::Test {
 protected:
  HostCapacity host_{IdList{0, 1, 2, 3}, IdList{0}, 8ull << 30};
  std::vector<std::pair<std::string, IdList>> taken_{{"a", IdList{0}}};

  std::string refusal(const TenantRecord& request) {
    return error_of([&] { validate_tenant(request, host_, taken_); });
  }
};

TEST_F(TenantValidation, NormalisesListsAndFillsInAllNodes) {
  const ValidatedTenant tenant = validate_tenant({"b", "3,1-2", "", 1u << 30}, host_, taken_);
  EXPECT_EQ(tenant.record.cpus, "1-3");
  EXPECT_EQ(tenant.record.mems, "0");
  EXPECT_EQ(tenant.cpus, (IdList{1, 2, 3}));
}

TEST_F(TenantValidation, RefusesWithTheDocumentedErrorNames) {
  EXPECT_EQ(refusal({"b/c", "1", "", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", "1-", "", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", " 1", "", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", "1,", "", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", "", "", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", "1", "zero", 0}), error_name::kInvalidArgument);
  EXPECT_EQ(refusal({"b", "4", "", 0}), error_name::kCpusUnavailable);
  EXPECT_EQ(refusal({"b", "0-1", "", 0}), error_name::kCpusUnavailable);
  EXPECT_EQ(refusal({"b", "1", "1", 0}), error_name::kNodesUnavailable);
  EXPECT_EQ(refusal({"b", "1", "", 9ull << 30}), error_name::kLimitTooLarge);
}

TEST_F(TenantValidation, MessagesNameWhatToChange) {
  try {
    validate_tenant({"b", "0-1", "", 0}, host_, taken_);
    FAIL();
  } catch (const DaemonError& e) {
    EXPECT_STREQ(e.what(), "CPUs 0 belong to tenant 'a'");
  }
  try {
    validate_tenant({"b", "1", "", 9ull << 30}, host_, taken_);
    FAIL();
  } catch (const DaemonError& e) {
    EXPECT_STREQ(e.what(), "memory limit 9663676416 bytes is above the host's 8589934592 bytes");
  }
}

}  // namespace
}  // namespace ck::daemon
