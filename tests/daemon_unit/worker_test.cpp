// The real ckd-worker on a socketpair, started as ckd starts it minus the cgroup and identity steps: it
// beats while idle and while generating, stops a request between tokens when ckd sends Cancel (stop
// "cancelled"), and ignores a Cancel that finds nothing running.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "worker_channel.h"
#include "worker_protocol.h"

namespace ck::daemon {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kModel = std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf";

class RunningWorker {
 public:
  RunningWorker() {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
      throw std::runtime_error("socketpair");
    socket_ = sockets[0];
    const std::string fd = std::to_string(sockets[1]);
    const std::string bytes = std::to_string(std::filesystem::file_size(kModel));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::fcntl(sockets[1], F_SETFD, 0);
      ::execl(CKD_WORKER_PATH, CKD_WORKER_PATH, "--socket-fd", fd.c_str(), "--model", kModel.c_str(),
              "--image", kModel.c_str(), "--image-bytes", bytes.c_str(), "--threads", "1", "--context",
              "4096", nullptr);
      ::_exit(127);
    }
    ::close(sockets[1]);
  }
  ~RunningWorker() {
    ::close(socket_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }

  void send(const WorkerMessage& message) { send_message(socket_, message); }

  // The next message within `timeout`, or nullopt.
  std::optional<WorkerMessage> receive(std::chrono::milliseconds timeout) {
    pollfd readable{socket_, POLLIN, 0};
    if (decoder_.empty() && ::poll(&readable, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    return receive_message(socket_, decoder_);
  }

  // Reads for `duration`; counts the heartbeats and returns every other message.
  std::vector<WorkerMessage> listen(std::chrono::milliseconds duration, int& heartbeats) {
    std::vector<WorkerMessage> others;
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      auto message = receive(left);
      if (!message) continue;
      if (std::holds_alternative<Heartbeat>(*message)) {
        ++heartbeats;
      } else {
        others.push_back(std::move(*message));
      }
    }
    return others;
  }

  // Skips heartbeats and pieces until the request's end.
  GenerateDone wait_for_done() {
    while (auto message = receive(std::chrono::seconds(60))) {
      if (auto* done = std::get_if<GenerateDone>(&*message)) return *done;
      if (!std::holds_alternative<Heartbeat>(*message) && !std::holds_alternative<Piece>(*message))
        throw std::runtime_error("unexpected message kind " + std::to_string(message->index()));
    }
    throw std::runtime_error("no GenerateDone within 60 s");
  }

  void wait_until_ready() {
    while (auto message = receive(std::chrono::seconds(60))) {
      if (std::holds_alternative<WorkerReady>(*message)) return;
      if (!std::holds_alternative<Heartbeat>(*message))
        throw std::runtime_error("unexpected message kind " + std::to_string(message->index()));
    }
    throw std::runtime_error("the worker was not ready within 60 s");
  }

 private:
  int socket_ = -1;
  pid_t pid_ = -1;
  FrameDecoder decoder_;
};

GenerateRequest endless_request() {
  GenerateRequest request;
  request.prompt = "Once upon a time";
  request.max_tokens = 1'000'000;  // greedy: runs until the 4096 positions are full, seconds
  request.temperature = 0;
  return request;
}

TEST(DaemonWorker, BeatsWhileIdleAndWhileGenerating) {
  RunningWorker worker;
  worker.wait_until_ready();
  const auto window = 4 * kHeartbeatInterval;
  int idle_beats = 0;
  EXPECT_TRUE(worker.listen(window, idle_beats).empty());
  EXPECT_GE(idle_beats, 2);

  worker.send(endless_request());
  int busy_beats = 0;
  const std::vector<WorkerMessage> pieces = worker.listen(window, busy_beats);
  EXPECT_GE(busy_beats, 2);
  EXPECT_FALSE(pieces.empty());
  for (const WorkerMessage& message : pieces) EXPECT_TRUE(std::holds_alternative<Piece>(message));
}

TEST(DaemonWorker, CancelStopsTheRequestBetweenTokens) {
  RunningWorker worker;
  worker.wait_until_ready();
  worker.send(endless_request());
  ASSERT_TRUE(worker.receive(std::chrono::seconds(30)));  // it has started
  const auto cancelled_at = Clock::now();
  worker.send(Cancel{});
  const GenerateDone done = worker.wait_for_done();
  EXPECT_EQ(done.stop, "cancelled");
  EXPECT_LT(done.generated_tokens, 4000u);
  EXPECT_LT(Clock::now() - cancelled_at, std::chrono::seconds(2));
}

TEST(DaemonWorker, ACancelWithNothingRunningIsIgnored) {
  RunningWorker worker;
  worker.wait_until_ready();
  worker.send(Cancel{});
  GenerateRequest request = endless_request();
  request.max_tokens = 4;
  worker.send(request);
  const GenerateDone done = worker.wait_for_done();
  EXPECT_EQ(done.stop, "length");
  EXPECT_EQ(done.generated_tokens, 4u);
}

}  // namespace
}  // namespace ck::daemon
