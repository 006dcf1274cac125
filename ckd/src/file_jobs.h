// Work on files that must not run on ckd's event loop: opening what a client named (a FIFO or a slow
// file system would stall every other request), parsing a GGUF, copying gigabytes of weights. Jobs run
// one at a time on a thread of their own, in the order submitted; progress and completion come back to
// the loop through an eventfd and are handed to callbacks there.
#pragma once

#include <systemd/sd-event.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "event_source.h"

namespace ck::daemon {

class FileJobs {
 public:
  using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;
  // Runs on the thread; reports progress through its argument; may throw.
  using Work = std::function<void(const Progress& report)>;
  // Runs on the loop once the work has ended: error null when it succeeded.
  using Finished = std::function<void(std::exception_ptr error)>;

  // Throws std::system_error when the eventfd or its event source cannot be made.
  explicit FileJobs(sd_event* loop);
  // Stops a job in progress (it throws out of its next progress report) and joins the thread; callbacks
  // of unfinished jobs are not called.
  ~FileJobs();
  FileJobs(const FileJobs&) = delete;
  FileJobs& operator=(const FileJobs&) = delete;

  // on_progress and on_finished run on the loop's thread.
  void submit(Work work, Progress on_progress, Finished on_finished);

 private:
  struct Job {
    Work work;
    Progress on_progress;
    Finished on_finished;
  };
  struct Report {  // from the thread to the loop
    std::shared_ptr<Job> job;
    std::uint64_t done_bytes = 0;
    std::uint64_t total_bytes = 0;
    bool finished = false;
    std::exception_ptr error;
  };
  class Stopped {};

  void run();
  void post(Report report);
  void deliver();
  static int on_reports(sd_event_source*, int fd, uint32_t, void* self);

  int event_fd_ = -1;
  EventSource event_source_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> jobs_;
  std::vector<Report> reports_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ck::daemon
