// One model loaded in a tenant: its resident weights, its worker process and the queue of generate
// requests it serves one at a time. A worker that dies, or that stops sending heartbeats, is restarted
// with exponential backoff; the request caught by it gets WorkerFailed, the queued ones wait for the new
// worker. Requests can be cancelled, queued or running.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
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

namespace ck::daemon {

// How long a generate request waits for a model that is loading or restarting (docs/dbus-api.md), e.g.
// right after ckd restarted, before it gets org.ckernel.Error.Timeout.
inline constexpr std::chrono::seconds kModelWaitLimit{60};

enum class ModelState { loading, ready, restarting, failed };
const char* to_string(ModelState state);

struct GenerateCallbacks {
  std::function<void(const std::string& piece)> on_piece;
  std::function<void(const GenerateDone& done)> on_done;
  std::function<void(const DaemonError& error)> on_error;
};

// Names one generate request of a model, for cancel(); 0 names none.
using RequestTicket = std::uint64_t;

// Called once, when the first worker is ready (error null) or could not load the model.
using LoadCallback = std::function<void(const DaemonError* error)>;

struct ModelEnvironment {
  sd_event* loop = nullptr;
  // executable, CPUs, nodes, identity, cgroup attach, ckd's arguments (the kernel wisdom); the model's
  // arguments are added after them
  WorkerLaunch launch;
  std::function<void()> on_change;  // state, pid or restarts changed
  // The first worker could not load the model; the owner removes it (later, not from inside this call).
  std::function<void(const DaemonError& error)> on_load_failed;
  // How long a request waits for the model to be ready; shorter only in tests.
  std::chrono::microseconds wait_limit = kModelWaitLimit;
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

  // Queues the request and returns its ticket. While the model is loading or restarting the request waits
  // for it, at most kModelWaitLimit (then Timeout); a failed model refuses it at once (WorkerFailed, ticket
  // 0). Exactly one callback of on_done and on_error ends every request, possibly before this returns.
  RequestTicket generate(GenerateRequest request, GenerateCallbacks callbacks);
  // Stops a request: a queued one at once, the running one as soon as the worker reads the Cancel; either
  // ends with on_done and stop "cancelled". False when the request has ended already.
  bool cancel(RequestTicket ticket);

  const ModelRecord& record() const noexcept { return record_; }
  // The CPUs its worker may run on (and its threads are pinned to): part of its tenant's.
  const tuning::IdList& cpus() const noexcept { return environment_.launch.cpus; }
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
    RequestTicket ticket = 0;
    GenerateRequest request;
    GenerateCallbacks callbacks;
    std::uint64_t wait_deadline_usec = 0;  // while the model is not ready: when the request times out
    bool cancel_sent = false;              // the running request: the worker was told to stop
  };

  void start_worker();
  void handle_readable();
  void handle_message(WorkerMessage message);
  void handle_exit(const siginfo_t& info);
  void send_next_request();
  void send_to_worker(const WorkerMessage& message);
  void fail_requests(const std::string& why);
  void fail_running_request(const std::string& why);
  void set_state(ModelState state);
  std::uint64_t now_usec() const;
  // The queued requests wait for the model from now on, each at most kModelWaitLimit.
  void start_waiting_for_model();
  void arm_wait_timer();
  void time_out_waiting_requests();
  void arm_silence_timer();
  void check_worker_alive();

  static int on_socket(sd_event_source*, int fd, uint32_t events, void* self);
  static int on_child(sd_event_source*, const siginfo_t* info, void* self);
  static int on_restart_timer(sd_event_source*, uint64_t usec, void* self);
  static int on_wait_timer(sd_event_source*, uint64_t usec, void* self);
  static int on_silence_timer(sd_event_source*, uint64_t usec, void* self);

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
  EventSource wait_timer_;     // the earliest deadline of a request waiting for the model
  EventSource silence_timer_;  // when the worker will have been silent for kWorkerSilenceLimit
  std::uint64_t last_heard_usec_ = 0;
  std::string kill_reason_;  // why ckd killed the worker, for the requests and the log
  FrameDecoder decoder_;
  RequestTicket last_ticket_ = 0;
  std::optional<Pending> active_;
  std::deque<Pending> queue_;
};

}  // namespace ck::daemon
