// The worker's end of its socket to ckd. Two threads send on it (the request loop and the heartbeat), so
// sends take a lock and a frame is never interleaved with another. Reading is blocking between requests
// and non-blocking during one, when the worker looks for a Cancel between tokens.
#pragma once

#include <mutex>
#include <optional>
#include <vector>

#include "worker_protocol.h"

namespace ck::daemon {

class WorkerLink {
 public:
  explicit WorkerLink(int fd) : fd_(fd) {}
  WorkerLink(const WorkerLink&) = delete;
  WorkerLink& operator=(const WorkerLink&) = delete;

  // Thread-safe; throws std::system_error when ckd is gone.
  void send(const WorkerMessage& message);
  // The next message, waiting for it; nullopt when ckd closed the socket.
  std::optional<WorkerMessage> receive();
  // The messages that have arrived so far, without waiting. After ckd closed the socket, closed() is true.
  std::vector<WorkerMessage> receive_arrived();
  bool closed() const noexcept { return closed_; }

 private:
  int fd_;
  std::mutex send_lock_;
  FrameDecoder decoder_;  // only the request loop reads
  bool closed_ = false;
};

}  // namespace ck::daemon
