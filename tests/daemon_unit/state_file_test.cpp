#include "state_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ckernel/json/json.h"

namespace ck::daemon {
namespace {

namespace fs = std::filesystem;

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("ckd-state-test-" + std::to_string(::getpid()));
    fs::remove_all(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path file() const { return directory_ / "state.json"; }

  fs::path directory_;
};

DaemonState two_tenants() {
  return DaemonState{
      {{"a", "0", "0", 1u << 30}, {"b", "1", "0", 0}},
      {{"a", "m", "/models/tiny \"quoted\".gguf", 1, 0}, {"b", "m", "/models/tiny.gguf", 2, 512}}};
}

TEST_F(StateFileTest, RoundTripsThroughTheDisk) {
  save_state(file(), two_tenants());
  EXPECT_EQ(load_state(file()), two_tenants());
}

TEST_F(StateFileTest, MissingFileIsAnEmptyState) { EXPECT_EQ(load_state(file()), DaemonState{}); }

TEST_F(StateFileTest, ReplacesTheOldStateWholeAndLeavesNoTemporaryFile) {
  save_state(file(), two_tenants());
  const DaemonState one_tenant{{{"c", "0-1", "0", 0}}, {}};
  save_state(file(), one_tenant);
  EXPECT_EQ(load_state(file()), one_tenant);
  std::vector<fs::path> entries(fs::directory_iterator(directory_), fs::directory_iterator{});
  ASSERT_EQ(entries.size(), 1u) << "a temporary file was left behind";
  EXPECT_EQ(entries[0].filename(), "state.json");
}

TEST_F(StateFileTest, AStaleTemporaryFileDoesNotDisturbTheNextSave) {
  // What a crash between write and rename leaves: the saved state must still be the last complete one.
  save_state(file(), two_tenants());
  std::ofstream(file().string() + ".tmp") << "{\"torn";
  EXPECT_EQ(load_state(file()), two_tenants());
  save_state(file(), DaemonState{});
  EXPECT_EQ(load_state(file()), DaemonState{});
  EXPECT_FALSE(fs::exists(file().string() + ".tmp"));
}

TEST_F(StateFileTest, CorruptFileIsAnErrorNamingTheFile) {
  fs::create_directories(directory_);
  std::ofstream(file()) << R"({"version": 1, "tenants": [{"name": "a"}], "models": []})";
  try {
    load_state(file());
    FAIL() << "accepted a tenant without cpus";
  } catch (const ck::JsonError& e) {
    EXPECT_NE(std::string(e.what()).find(file().string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cpus"), std::string::npos) << e.what();
  }
}

TEST_F(StateFileTest, ANumberBeyondItsMemberIsAnErrorNotAWrappedValue) {
  // 2^32 as an owner uid would wrap to root's 0, 2^32 + 1 threads to 1.
  fs::create_directories(directory_);
  for (const char* member : {"threads", "context", "owner_uid"}) {
    std::string model =
        R"({"tenant": "a", "name": "m", "path": "/m.gguf", "threads": 1, "context": 0, "owner_uid": 0})";
    const std::string key = std::string("\"") + member + "\": ";
    model.replace(model.find(key) + key.size(), 1, "4294967296");
    std::ofstream(file())
        << R"({"version": 1, "tenants": [{"name": "a", "cpus": "0", "mems": "0", "memory_limit": 0}], )"
        << R"("models": [)" << model << "]}";
    try {
      const DaemonState state = load_state(file());
      FAIL() << member << " 4294967296 accepted as " << state.models.at(0).threads << " threads, context "
             << state.models.at(0).context << ", owner " << state.models.at(0).owner_uid;
    } catch (const ck::JsonError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(member) + ": 4294967296 is beyond 4294967295"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(StateFileTest, NamesCkdCouldNotHaveCreatedAreAnErrorNamingTheName) {
  // A tenant named ".." would be the parent's parent in the cgroup tree, where the restore sweeps away
  // what a killed ckd left; a relative model path would be resolved against ckd's working directory.
  fs::create_directories(directory_);
  const std::string tenant = R"({"name": "NAME", "cpus": "0", "mems": "0", "memory_limit": 0})";
  const std::string model = R"({"tenant": "a", "name": "NAME", "path": "PATH", "threads": 1, "context": 0})";
  const auto with = [](std::string text, const std::string& key, const std::string& value) {
    return text.replace(text.find(key), key.size(), value);
  };
  const struct {
    std::string tenants, models, expected;
  } cases[] = {
      {with(tenant, "NAME", ".."), "", "tenant name '..' is not 1-64 characters"},
      {with(tenant, "NAME", "a/b"), "", "tenant name 'a/b' is not"},
      {with(tenant, "NAME", "memory.max"), "", "tenant name 'memory.max' is the name of a cgroup interface"},
      {with(tenant, "NAME", "a"), with(with(model, "NAME", "../m"), "PATH", "/m.gguf"), "model name '../m'"},
      {with(tenant, "NAME", "a"), with(with(model, "NAME", "m"), "PATH", "m.gguf"),
       "the model path 'm.gguf' is relative"},
  };
  for (const auto& c : cases) {
    std::ofstream(file()) << R"({"version": 1, "tenants": [)" << c.tenants << R"(], "models": [)" << c.models
                          << "]}";
    try {
      load_state(file());
      ADD_FAILURE() << "accepted " << c.tenants << " " << c.models;
    } catch (const ck::JsonError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file().string()), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ck::daemon
