// Sends ckd a Heartbeat every kHeartbeatInterval from a thread of its own, for as long as the object
// lives. A worker busy in a long prompt still beats; a stopped or frozen process does not, and ckd
// restarts it (worker_protocol.h).
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "worker_link.h"

namespace ck::daemon {

class HeartbeatThread {
 public:
  explicit HeartbeatThread(WorkerLink& link);
  ~HeartbeatThread();  // stops and joins the thread
  HeartbeatThread(const HeartbeatThread&) = delete;
  HeartbeatThread& operator=(const HeartbeatThread&) = delete;

 private:
  void run(std::stop_token stop);

  WorkerLink& link_;
  std::mutex lock_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts once the members it uses exist
};

}  // namespace ck::daemon
