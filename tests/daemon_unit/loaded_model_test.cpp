// A model's request queue on a real sd-event loop, while the model is still loading (no worker yet):
// requests wait for it and time out with Timeout, a queued request can be cancelled, and a load that
// fails ends the waiting requests; a failed model refuses at once.
#include "loaded_model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace ck::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class LoadingModel : public ::testing::Test {
 protected:
  LoadingModel() {
    sd_event_new(&loop_);
    ModelEnvironment environment;
    environment.loop = loop_;
    environment.wait_limit = 300ms;
    model_.emplace(ModelRecord{"t", "m", "/models/m.gguf", 1, 0}, 0, std::move(environment),
                   [](const DaemonError*) {});
  }
  ~LoadingModel() override {
    model_.reset();
    sd_event_unref(loop_);
  }

  // Queues a request whose end is recorded as its error name or "stop:<reason>".
  RequestTicket generate() {
    GenerateCallbacks callbacks;
    callbacks.on_piece = [](const std::string&) {};
    callbacks.on_done = [this](const GenerateDone& done) { outcomes_.push_back("stop:" + done.stop); };
    callbacks.on_error = [this](const DaemonError& error) { outcomes_.push_back(error.name()); };
    return model_->generate(GenerateRequest{}, std::move(callbacks));
  }

  void run_until(std::size_t outcomes, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (outcomes_.size() < outcomes && Clock::now() < end) sd_event_run(loop_, 10'000);
  }

  sd_event* loop_ = nullptr;
  std::optional<LoadedModel> model_;
  std::vector<std::string> outcomes_;
};

TEST_F(LoadingModel, RequestsWaitAndThenTimeOut) {
  const auto start = Clock::now();
  generate();
  run_until(1, 100ms);
  EXPECT_TRUE(outcomes_.empty()) << "a request for a loading model must wait, not fail";
  run_until(1, 5s);
  ASSERT_EQ(outcomes_, std::vector<std::string>{error_name::kTimeout});
  EXPECT_GE(Clock::now() - start, 300ms);
}

TEST_F(LoadingModel, AQueuedRequestCanBeCancelled) {
  const RequestTicket first = generate();
  const RequestTicket second = generate();
  EXPECT_NE(first, second);
  EXPECT_TRUE(model_->cancel(second));
  EXPECT_EQ(outcomes_, std::vector<std::string>{"stop:cancelled"});
  EXPECT_FALSE(model_->cancel(second)) << "it has ended already";
  run_until(2, 5s);
  EXPECT_EQ(outcomes_, (std::vector<std::string>{"stop:cancelled", error_name::kTimeout}));
}

TEST_F(LoadingModel, AFailedLoadEndsTheWaitingRequestsAndRefusesNewOnes) {
  generate();
  model_->fail_load(DaemonError(error_name::kBadModel, "bad magic"));
  EXPECT_EQ(outcomes_, std::vector<std::string>{error_name::kWorkerFailed});
  EXPECT_EQ(generate(), 0u);
  EXPECT_EQ(outcomes_, (std::vector<std::string>{error_name::kWorkerFailed, error_name::kWorkerFailed}));
}

}  // namespace
}  // namespace ck::daemon
