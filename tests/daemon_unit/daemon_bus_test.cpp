// ckd itself, started as root against a private dbus-daemon: calls through busctl and sd-bus, a model
// loaded and generating what the engine generates in-process, refusals with their error names, and a
// SIGTERM that takes down the cgroups and mounts ckd made while a restart restores its state.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "ckernel/engine/generate.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/session.h"
#include "ckernel/tuning/cgroup_layout.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "host_state.h"
#include "worker_protocol.h"

namespace ck::daemon {
namespace {

namespace fs = std::filesystem;
using tuning::testing::ChildProcess;

const fs::path kTestDir = fs::path(tuning::testing::kTestRoot) / "daemon";
const std::string kModel = std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf";
constexpr const char* kService = "org.ckernel.Manager1";
constexpr const char* kManager = "/org/ckernel/Manager1";

// A dbus-daemon of our own that lets anyone own and call anything.
class PrivateBus {
 public:
  PrivateBus() {
    fs::create_directories(kTestDir);
    std::ofstream(config_)
        << R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow own="*"/><allow user="*"/></policy></busconfig>)";
    daemon_.start();
    address_ = daemon_.read_report_line();
  }
  const std::string& address() const { return address_; }

 private:
  fs::path config_ = kTestDir / "bus.conf";
  ChildProcess daemon_{[this](int report_fd) {
    ::fcntl(report_fd, F_SETFD, 0);
    const std::string config = "--config-file=" + config_.string();
    const std::string print = "--print-address=" + std::to_string(report_fd);
    ::execlp("dbus-daemon", "dbus-daemon", config.c_str(), "--nofork", print.c_str(), nullptr);
    return 127;
  }};
  std::string address_;
};

struct BusRelease {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};

std::unique_ptr<sd_bus, BusRelease> connect(const std::string& address) {
  sd_bus* bus = nullptr;
  EXPECT_GE(sd_bus_new(&bus), 0);
  sd_bus_set_address(bus, address.c_str());
  sd_bus_set_bus_client(bus, 1);
  EXPECT_GE(sd_bus_start(bus), 0);
  return std::unique_ptr<sd_bus, BusRelease>(bus);
}

// ckd on the private bus, with its state, mount and cgroups where the host-state restore finds them.
class RunningDaemon {
 public:
  explicit RunningDaemon(const std::string& address) : address_(address), bus_(connect(address)) {
    process_.start();
    for (int attempt = 0; attempt < 200 && !sd_bus_has_owner(); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~RunningDaemon() {
    if (process_.running()) stop();
  }

  bool sd_bus_has_owner() const { return sd_bus_get_name_creds(bus_.get(), kService, 0, nullptr) >= 0; }
  // SIGTERM and the exit status.
  int stop() {
    process_.kill(SIGTERM);
    const int status = process_.wait();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  sd_bus* bus() const { return bus_.get(); }

 private:
  std::string address_;
  std::unique_ptr<sd_bus, BusRelease> bus_;
  ChildProcess process_{[this](int) {
    const std::string state = (kTestDir / "state").string(), mount = (kTestDir / "hugepages").string();
    ::execl(CKD_PATH, CKD_PATH, "--bus", address_.c_str(), "--state-dir", state.c_str(), "--cgroup-parent",
            std::string(tuning::testing::kTestCgroupParent).c_str(), "--hugepages", "16", "--hugetlbfs-mount",
            mount.c_str(), "--log-level", "warning", nullptr);
    return 127;
  }};
};

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  while (std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, got);
  ::pclose(pipe);
  return output;
}

// The error name of a failed call, "" on success; `reply` receives the reply.
template <class... Arguments>
std::string call(sd_bus* bus, const char* method, const char* types, Arguments... arguments) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const int r =
      sd_bus_call_method(bus, kService, kManager, kService, method, &error, &reply, types, arguments...);
  const std::string name = r < 0 ? (error.name ? error.name : "errno") : "";
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  return name;
}

std::string model_state(sd_bus* bus, const std::string& path) {
  char* state = nullptr;
  if (sd_bus_get_property_string(bus, kService, path.c_str(), "org.ckernel.Model1", "State", nullptr,
                                 &state) < 0) {
    return "";
  }
  std::string result = state;
  std::free(state);
  return result;
}

std::string generate_greedy(sd_bus* bus, const char* tenant, const char* model, const char* prompt,
                            unsigned tokens) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const int r =
      sd_bus_call_method(bus, kService, kManager, kService, "Generate", &error, &reply, "sssa{sv}", tenant,
                         model, prompt, 2, "max_tokens", "u", tokens, "temperature", "d", 0.0);
  EXPECT_GE(r, 0) << (error.message ? error.message : "");
  const char* text = "";
  if (r >= 0) sd_bus_message_read(reply, "s", &text);
  std::string result = text;
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  return result;
}

class DaemonBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (cgroups, huge pages, hugetlbfs)";
    fs::remove_all(kTestDir / "state");
    bus_.emplace();
  }
  void TearDown() override {
    bus_.reset();
    fs::remove_all(kTestDir);
  }
  std::optional<PrivateBus> bus_;
};

TEST_F(DaemonBusTest, LoadsAModelAndGeneratesWhatTheEngineGenerates) {
  RunningDaemon ckd(bus_->address());
  ASSERT_TRUE(ckd.sd_bus_has_owner()) << "ckd did not take its bus name";
  const std::string busctl = "busctl --address=" + bus_->address() + " call org.ckernel.Manager1 " +
                             kManager + " org.ckernel.Manager1 ";
  EXPECT_NE(run(busctl + "GetStatus").find(R"(\"tenants\": [])"), std::string::npos);
  EXPECT_EQ(run(busctl + "CreateTenant sssta{sv} a 0 '' 0 0"), "o \"/org/ckernel/Manager1/tenant/a\"\n");

  // LoadProgress arrives while the weights are copied, ending with all bytes done.
  std::uint64_t last_done = 0, last_total = 0;
  const auto on_progress = [](sd_bus_message* signal, void* userdata, sd_bus_error*) {
    auto* last = static_cast<std::pair<std::uint64_t*, std::uint64_t*>*>(userdata);
    const char *tenant = nullptr, *model = nullptr;
    return sd_bus_message_read(signal, "sstt", &tenant, &model, last->first, last->second);
  };
  std::pair progress_target{&last_done, &last_total};
  sd_bus_slot* match = nullptr;
  ASSERT_GE(sd_bus_match_signal(ckd.bus(), &match, kService, kManager, kService, "LoadProgress", on_progress,
                                &progress_target),
            0);
  EXPECT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", kModel.c_str(), 1, "name", "s", "m"), "");
  while (sd_bus_process(ckd.bus(), nullptr) > 0) {
  }
  sd_bus_slot_unref(match);
  EXPECT_EQ(last_total, fs::file_size(kModel));
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(model_state(ckd.bus(), "/org/ckernel/Manager1/tenant/a/model/m"), "ready");
  const std::string served = generate_greedy(ckd.bus(), "a", "m", "Once upon a time", 12);

  ck::Session session(ck::Model::load(kModel), ck::SessionOptions{});
  ck::GenerationOptions greedy;
  greedy.n_predict = 12;
  greedy.sampling.temperature = 0;
  EXPECT_EQ(served, ck::generate(session, "Once upon a time", greedy).text);

  uint32_t pid = 0;
  sd_bus_get_property_trivial(ckd.bus(), kService, "/org/ckernel/Manager1/tenant/a/model/m",
                              "org.ckernel.Model1", "WorkerPid", nullptr, 'u', &pid);
  ASSERT_GT(pid, 0u);
  std::ifstream cgroups("/proc/" + std::to_string(pid) + "/cgroup");
  const std::string membership(std::istreambuf_iterator<char>(cgroups), {});
  EXPECT_NE(membership.find("/ckernel-test/a"), std::string::npos) << membership;
  EXPECT_EQ(ckd.stop(), 0);
}

TEST_F(DaemonBusTest, RefusalsCarryTheirErrorNamesAndLoseNothing) {
  RunningDaemon ckd(bus_->address());
  ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "a", "0", "", uint64_t{0}, 0), "");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "a", "1", "", uint64_t{0}, 0),
            "org.ckernel.Error.TenantExists");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b/c", "1", "", uint64_t{0}, 0),
            "org.ckernel.Error.InvalidArgument");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "99", "", uint64_t{0}, 0),
            "org.ckernel.Error.CpusUnavailable");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "0", "", uint64_t{0}, 0),
            "org.ckernel.Error.CpusUnavailable");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "1", "7", uint64_t{0}, 0),
            "org.ckernel.Error.NodesUnavailable");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "1", "", uint64_t{1} << 50, 0),
            "org.ckernel.Error.LimitTooLarge");
  EXPECT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "1", "", uint64_t{0}, 1, "colour", "s", "red"),
            "org.ckernel.Error.InvalidArgument");
  EXPECT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "nobody", kModel.c_str(), 0),
            "org.ckernel.Error.UnknownTenant");
  EXPECT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", "/etc/hostname", 0), "org.ckernel.Error.BadModel");
  EXPECT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", kModel.c_str(), 1, "threads", "s", "2"),
            "org.ckernel.Error.InvalidArgument");
  EXPECT_EQ(call(ckd.bus(), "Generate", "sssa{sv}", "a", "none", "hi", 0), "org.ckernel.Error.UnknownModel");
  // Past what a worker frame may carry the worker would end on it, restarted by ckd at every such call.
  const std::string long_prompt(GenerateRequest::kMaxPromptBytes + 1, 'a');
  EXPECT_EQ(call(ckd.bus(), "Generate", "sssa{sv}", "a", "none", long_prompt.c_str(), 0),
            "org.ckernel.Error.InvalidArgument");
  ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "small", "1", "", uint64_t{1} << 20, 0), "");
  EXPECT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "small", kModel.c_str(), 0),
            "org.ckernel.Error.ModelTooLarge");
  EXPECT_EQ(call(ckd.bus(), "RemoveTenant", "s", "small"), "");
  EXPECT_EQ(call(ckd.bus(), "RemoveTenant", "s", "nobody"), "org.ckernel.Error.UnknownTenant");
  // The one tenant is still there, and ckd still answers.
  EXPECT_EQ(call(ckd.bus(), "RemoveTenant", "s", "a"), "");
  EXPECT_EQ(call(ckd.bus(), "GetStatus", ""), "");
  EXPECT_EQ(ckd.stop(), 0);
}

TEST_F(DaemonBusTest, SigtermCleansUpAndARestartRestoresTenantsAndModels) {
  const auto layout = tuning::detect_cgroup_layout();
  const fs::path tenant_cpuset = layout.find("cpuset")->mount_point / "ckernel-test" / "a";
  {
    RunningDaemon ckd(bus_->address());
    ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "a", "0", "", uint64_t{0}, 0), "");
    ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "b", "1", "", uint64_t{0}, 0), "");
    ASSERT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", kModel.c_str(), 1, "name", "s", "m"), "");
    ASSERT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "b", kModel.c_str(), 1, "name", "s", "m"), "");
    char* placement = nullptr;
    sd_bus_get_property_string(ckd.bus(), kService, "/org/ckernel/Manager1/tenant/b/model/m",
                               "org.ckernel.Model1", "Placement", nullptr, &placement);
    EXPECT_STREQ(placement, "hugetlbfs 2 MiB pages, node 0, shared");
    std::free(placement);
    EXPECT_TRUE(fs::exists(tenant_cpuset));
    EXPECT_EQ(ckd.stop(), 0);
  }
  EXPECT_FALSE(fs::exists(tenant_cpuset));
  EXPECT_FALSE(tuning::is_hugetlbfs(kTestDir / "hugepages"));

  RunningDaemon restarted(bus_->address());
  const std::string model = "/org/ckernel/Manager1/tenant/b/model/m";
  for (int attempt = 0; attempt < 100 && model_state(restarted.bus(), model) != "ready"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(model_state(restarted.bus(), model), "ready");
  EXPECT_FALSE(generate_greedy(restarted.bus(), "b", "m", "Hello", 4).empty());
  EXPECT_EQ(restarted.stop(), 0);
}

TEST_F(DaemonBusTest, ADeadWorkerFailsItsCallAndIsRestarted) {
  RunningDaemon ckd(bus_->address());
  ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "a", "0", "", uint64_t{0}, 0), "");
  ASSERT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", kModel.c_str(), 1, "name", "s", "m"), "");
  const std::string model = "/org/ckernel/Manager1/tenant/a/model/m";
  uint32_t pid = 0;
  sd_bus_get_property_trivial(ckd.bus(), kService, model.c_str(), "org.ckernel.Model1", "WorkerPid", nullptr,
                              'u', &pid);
  ASSERT_GT(pid, 0u);
  // Killed while it generates: the call in flight fails with WorkerFailed.
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::kill(static_cast<pid_t>(pid), SIGKILL);
  });
  EXPECT_EQ(
      call(ckd.bus(), "Generate", "sssa{sv}", "a", "m", "Once upon a time", 1, "max_tokens", "u", 100000u),
      "org.ckernel.Error.WorkerFailed");
  killer.join();
  for (int attempt = 0; attempt < 100 && model_state(ckd.bus(), model) != "ready"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(model_state(ckd.bus(), model), "ready");
  uint32_t restarts = 0;
  sd_bus_get_property_trivial(ckd.bus(), kService, model.c_str(), "org.ckernel.Model1", "Restarts", nullptr,
                              'u', &restarts);
  EXPECT_EQ(restarts, 1u);
  EXPECT_FALSE(generate_greedy(ckd.bus(), "a", "m", "Once upon a time", 4).empty());
  EXPECT_EQ(ckd.stop(), 0);
}

// Every queued Generate call is watched for its client leaving the bus. The bus limits the match rules of
// a connection (512 by default) and sd-bus drops a connection whose match fails, so ckd must not spend a
// match per call: 600 calls queued at once all get their answer, and ckd stays on the bus.
TEST_F(DaemonBusTest, SixHundredQueuedCallsAreAllAnswered) {
  RunningDaemon ckd(bus_->address());
  ASSERT_EQ(call(ckd.bus(), "CreateTenant", "sssta{sv}", "a", "0", "", uint64_t{0}, 0), "");
  ASSERT_EQ(call(ckd.bus(), "LoadModel", "ssa{sv}", "a", kModel.c_str(), 1, "name", "s", "m"), "");
  constexpr int kClients = 6, kCallsEach = 100;  // under the bus's 128 pending replies per connection
  std::vector<std::unique_ptr<sd_bus, BusRelease>> clients;
  int answered = 0, succeeded = 0;
  const auto on_reply = [](sd_bus_message* reply, void* userdata, sd_bus_error*) {
    auto* counts = static_cast<std::pair<int*, int*>*>(userdata);
    ++*counts->first;
    if (!sd_bus_message_is_method_error(reply, nullptr)) ++*counts->second;
    return 0;
  };
  std::pair counts{&answered, &succeeded};
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(connect(bus_->address()));
    for (int i = 0; i < kCallsEach; ++i) {
      sd_bus_message* message = nullptr;
      ASSERT_GE(sd_bus_message_new_method_call(clients.back().get(), &message, kService, kManager, kService,
                                               "Generate"),
                0);
      sd_bus_message_append(message, "sssa{sv}", "a", "m", "Hello", 2, "max_tokens", "u", 1u, "temperature",
                            "d", 0.0);
      ASSERT_GE(sd_bus_call_async(clients.back().get(), nullptr, message, on_reply, &counts, 120'000'000), 0);
      sd_bus_message_unref(message);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (answered < kClients * kCallsEach && std::chrono::steady_clock::now() < deadline) {
    bool progressed = false;
    for (auto& client : clients) progressed |= sd_bus_process(client.get(), nullptr) > 0;
    if (!progressed) sd_bus_wait(clients.front().get(), 10'000);
  }
  EXPECT_EQ(succeeded, kClients * kCallsEach) << answered << " answered";
  EXPECT_TRUE(ckd.sd_bus_has_owner()) << "ckd lost its bus connection";
  EXPECT_EQ(call(ckd.bus(), "GetStatus", ""), "");
  EXPECT_EQ(ckd.stop(), 0);
}

TEST_F(DaemonBusTest, OnlyRootAndGroupCkernelMayChangeState) {
  RunningDaemon ckd(bus_->address());
  // A caller that is neither root nor in group ckernel: user nobody in group nogroup.
  ChildProcess outsider([address = bus_->address()](int) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) return 2;
    const auto bus = connect(address);
    const bool refused = call(bus.get(), "CreateTenant", "sssta{sv}", "x", "0", "", uint64_t{0}, 0) ==
                         "org.ckernel.Error.PermissionDenied";
    const bool status_open = call(bus.get(), "GetStatus", "") == "";
    return refused && status_open ? 0 : 1;
  });
  outsider.start();
  const int status = outsider.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the call was not refused or GetStatus was; 2: could not drop root";
  EXPECT_EQ(ckd.stop(), 0);
}

}  // namespace
}  // namespace ck::daemon
