// One model loaded in a tenant: its resident weights, its worker process and the queue of generate
// requests it serves one at a time. A worker that dies is restarted with exponential backoff; requests
// caught by the death get WorkerFailed.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ckernel/tuning/resident_file.h"
#include "errors.h"
#include "event_source.h"
#include "state_file.h"
#include "worker_process.h"
#include "worker_protocol.h"

namespace ckernel::daemon {

enum class ModelState { loading, ready, restarting, failed };
const char* to_string(ModelState state);

struct GenerateCallbacks {
  std::function<void(const std::string& piece)> on_piece;
  std::function<void(const GenerateDone& done)> on_done;
  std::function<void(const DaemonError& error)> on_error;
};

// Called once, when the first worker is ready (error null) or could not load the model.
using LoadCallback = std::function<void(const DaemonError* error)>;

struct ModelEnvironment {
  sd_event* loop = nullptr;
  WorkerLaunch launch;  // executable, CPUs, nodes, identity, cgroup attach; the model arguments are added
  std::function<void()> on_change;  // state, pid or restarts changed
  // The first worker could not load the model; the owner removes it (later, not from inside this call).
  std::function<void(const DaemonError& error)> on_load_failed;
};

class LoadedModel {
 public:
  // The model starts in state `loading` while its weights are placed; start() runs the first worker.
  LoadedModel(ModelRecord record, std::uint64_t footprint_bytes, ModelEnvironment environment,
              LoadCallback on_loaded);
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  // The weights are in place: starts the first worker.
  void start(std::shared_ptr<const tuning::ResidentFile> weights);
  // The weights could not be placed: the load fails with `error`.
  void fail_load(const DaemonError& error);

  // Queues the request; WorkerFailed at once when the model is not ready.
  void generate(GenerateRequest request, GenerateCallbacks callbacks);

  const ModelRecord& record() const noexcept { return record_; }
  ModelState state() const noexcept { return state_; }
  pid_t worker_pid() const noexcept { return worker_ ? worker_->pid() : 0; }
  unsigned restarts() const noexcept { return restarts_; }
  std::uint64_t weight_bytes() const noexcept { return weight_bytes_; }
  // Weights plus KV cache, what the model asks of its tenant's memory limit.
  std::uint64_t footprint_bytes() const noexcept { return footprint_bytes_; }
  // Known once the file was read (the model starts loading before that).
  void set_footprint_bytes(std::uint64_t bytes) noexcept { footprint_bytes_ = bytes; }
  // Why the load failed, while the state is `failed`.
  const std::string& error() const noexcept { return error_; }
  std::string placement() const;

 private:
  struct Pending {
    GenerateRequest request;
    GenerateCallbacks callbacks;
  };

  void start_worker();
  void handle_readable();
  void handle_message(WorkerMessage message);
  void handle_exit(const siginfo_t& info);
  void send_next_request();
  void fail_requests(const std::string& why);
  void set_state(ModelState state);

  static int on_socket(sd_event_source*, int fd, uint32_t events, void* self);
  static int on_child(sd_event_source*, const siginfo_t* info, void* self);
  static int on_restart_timer(sd_event_source*, uint64_t usec, void* self);

  ModelRecord record_;
  std::shared_ptr<const tuning::ResidentFile> weights_;
  std::uint64_t footprint_bytes_;
  ModelEnvironment environment_;
  LoadCallback on_loaded_;
  ModelState state_ = ModelState::loading;
  std::uint64_t weight_bytes_ = 0;
  unsigned restarts_ = 0;
  std::string error_;
  unsigned consecutive_failures_ = 0;
  std::optional<WorkerProcess> worker_;
  EventSource socket_source_;
  EventSource child_source_;
  EventSource restart_timer_;
  FrameDecoder decoder_;
  std::optional<Pending> active_;
  std::deque<Pending> queue_;
};

}  // namespace ckernel::daemon
