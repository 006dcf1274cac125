// main() of every tuning test binary: GoogleTest plus an environment that snapshots the host state the
// tests may change and puts it back at the end, whatever happened in between.
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "host_state.h"

namespace {

using ck::tuning::testing::HostStateSnapshot;

class HostStateEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() == 0) snapshot_ = HostStateSnapshot::take();
  }

  void TearDown() override {
    if (!snapshot_) return;
    for (const std::string& action : snapshot_->restore()) {
      std::cout << "[host state] " << action << " (a test left it behind)\n";
    }
    const auto differences = snapshot_->differences_from(HostStateSnapshot::take());
    for (const std::string& difference : differences) {
      ADD_FAILURE() << "host state not restored: " << difference;
    }
  }

 private:
  std::optional<HostStateSnapshot> snapshot_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new HostStateEnvironment);
  return RUN_ALL_TESTS();
}
