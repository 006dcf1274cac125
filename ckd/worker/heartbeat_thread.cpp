#include "heartbeat_thread.h"

#include <exception>

namespace ck::daemon {

HeartbeatThread::HeartbeatThread(WorkerLink& link)
    : link_(link), thread_([this](std::stop_token stop) { run(stop); }) {}

HeartbeatThread::~HeartbeatThread() {
  thread_.request_stop();  // wakes the wait below at once
  thread_.join();
}

void HeartbeatThread::run(std::stop_token stop) {
  std::unique_lock lock(lock_);
  while (!stop.stop_requested()) {
    try {
      link_.send(Heartbeat{});
    } catch (const std::exception&) {
      return;  // ckd is gone; the request loop sees the end of file and exits
    }
    wake_.wait_for(lock, stop, kHeartbeatInterval, [] { return false; });
  }
}

}  // namespace ck::daemon
