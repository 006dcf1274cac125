#include "file_jobs.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace ck::daemon {

FileJobs::FileJobs(sd_event* loop) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  sd_event_source* source = nullptr;
  if (const int r = sd_event_add_io(loop, &source, event_fd_, EPOLLIN, on_reports, this); r < 0) {
    ::close(event_fd_);
    throw std::system_error(-r, std::generic_category(), "sd_event_add_io for the file jobs");
  }
  event_source_.reset(source);
  thread_ = std::thread([this] { run(); });
}

FileJobs::~FileJobs() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  event_source_.reset();
  ::close(event_fd_);
}

void FileJobs::submit(Work work, Progress on_progress, Finished on_finished) {
  {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(
        std::make_shared<Job>(Job{std::move(work), std::move(on_progress), std::move(on_finished)}));
  }
  wake_.notify_all();
}

void FileJobs::run() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Report result{job, 0, 0, true, nullptr};
    try {
      job->work([this, &job](std::uint64_t done, std::uint64_t total) {
        if (const std::lock_guard lock(mutex_); stopping_) throw Stopped{};
        post(Report{job, done, total, false, nullptr});
      });
    } catch (const Stopped&) {
      return;
    } catch (...) {
      result.error = std::current_exception();
    }
    post(std::move(result));
  }
}

void FileJobs::post(Report report) {
  {
    const std::lock_guard lock(mutex_);
    reports_.push_back(std::move(report));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(event_fd_, &one, sizeof one);
}

int FileJobs::on_reports(sd_event_source*, int, uint32_t, void* self) {
  static_cast<FileJobs*>(self)->deliver();
  return 0;
}

void FileJobs::deliver() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t got = ::read(event_fd_, &count, sizeof count);
  std::vector<Report> reports;
  {
    const std::lock_guard lock(mutex_);
    reports.swap(reports_);
  }
  for (Report& report : reports) {
    if (!report.finished) {
      if (report.job->on_progress) report.job->on_progress(report.done_bytes, report.total_bytes);
    } else {
      report.job->on_finished(report.error);
    }
  }
}

}  // namespace ck::daemon
