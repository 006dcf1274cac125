// Copies model weights into place on a thread of its own, so that ckd's event loop keeps answering calls
// while gigabytes are copied. Jobs run one at a time (the ResidentFileStore is used by this thread only);
// progress and results come back to the loop through an eventfd and are handed to callbacks there.
#pragma once

#include <systemd/sd-event.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ckernel/tuning/resident_file.h"
#include "event_source.h"

namespace ckernel::daemon {

class WeightCopier {
 public:
  using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;
  // Exactly one of weights / error is set.
  using Done =
      std::function<void(std::shared_ptr<const tuning::ResidentFile> weights, std::exception_ptr error)>;

  // Throws std::system_error when the eventfd or its event source cannot be made.
  WeightCopier(sd_event* loop, tuning::ResidentFileStore& store);
  // Stops a copy in progress (it throws out of its progress report) and joins the thread; callbacks of
  // unfinished jobs are not called.
  ~WeightCopier();
  WeightCopier(const WeightCopier&) = delete;
  WeightCopier& operator=(const WeightCopier&) = delete;

  // Both callbacks run on the loop's thread.
  void submit(std::filesystem::path source, std::optional<int> node, Progress progress, Done done);

 private:
  struct Job {
    std::filesystem::path source;
    std::optional<int> node;
    Progress progress;
    Done done;
  };
  struct Report {  // from the thread to the loop
    std::shared_ptr<Job> job;
    std::uint64_t done_bytes = 0;
    std::uint64_t total_bytes = 0;
    bool finished = false;
    std::shared_ptr<const tuning::ResidentFile> weights;
    std::exception_ptr error;
  };
  class Stopped {};

  void run();
  void post(Report report);
  void deliver();
  static int on_reports(sd_event_source*, int fd, uint32_t, void* self);

  tuning::ResidentFileStore& store_;
  int event_fd_ = -1;
  EventSource event_source_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> jobs_;
  std::vector<Report> reports_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ckernel::daemon
