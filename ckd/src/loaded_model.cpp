#include "loaded_model.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

#include "log.h"

namespace ck::daemon {
namespace {

constexpr std::uint64_t kFirstBackoffUsec = 100'000;
constexpr std::uint64_t kLastBackoffUsec = 10'000'000;

constexpr std::uint64_t usec(std::chrono::microseconds duration) {
  return static_cast<std::uint64_t>(duration.count());
}

std::string describe_exit(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
  return std::string("killed by signal ") + ::sigabbrev_np(info.si_status);
}

// Sends a whole frame on the non-blocking socket. An idle worker is reading, so this waits at most while
// it drains a prompt larger than the socket buffer; a worker that stops reading for a second is stuck.
bool send_whole(int socket, const std::vector<std::byte>& frame) {
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t written = ::send(socket, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (written > 0) {
      sent += static_cast<std::size_t>(written);
      continue;
    }
    if (written < 0 && errno == EINTR) continue;
    pollfd writable{socket, POLLOUT, 0};
    if (written < 0 && errno == EAGAIN && ::poll(&writable, 1, 1000) == 1) continue;
    return false;
  }
  return true;
}

}  // namespace

const char* to_string(ModelState state) {
  switch (state) {
    case ModelState::loading:
      return "loading";
    case ModelState::ready:
      return "ready";
    case ModelState::restarting:
      return "restarting";
    case ModelState::failed:
      return "failed";
  }
  return "failed";
}

LoadedModel::LoadedModel(ModelRecord record, std::uint64_t footprint_bytes, ModelEnvironment environment,
                         LoadCallback on_loaded)
    : record_(std::move(record)),
      footprint_bytes_(footprint_bytes),
      environment_(std::move(environment)),
      on_loaded_(std::move(on_loaded)) {}

LoadedModel::~LoadedModel() {
  socket_source_.reset();
  child_source_.reset();
  restart_timer_.reset();
  wait_timer_.reset();
  silence_timer_.reset();
  worker_.reset();
  // Whoever still waits learns that the model went away.
  fail_requests("model '" + record_.name + "' was unloaded");
  if (on_loaded_) {
    const DaemonError error(error_name::kWorkerFailed,
                            "model '" + record_.name + "' was unloaded while loading");
    std::exchange(on_loaded_, nullptr)(&error);
  }
}

std::string LoadedModel::placement() const {
  if (!weights_) return "copying the weights";
  return weights_->placement() + (weights_.use_count() > 1 ? ", shared" : "");
}

void LoadedModel::start(std::shared_ptr<const tuning::ResidentFile> weights) {
  weights_ = std::move(weights);
  start_worker();
}

void LoadedModel::fail_load(const DaemonError& error) {
  error_ = error.what();
  set_state(ModelState::failed);
  wait_timer_.reset();
  // Requests that waited for the model will not get it.
  fail_requests("model '" + record_.name + "' could not be loaded: " + error.what());
  if (on_loaded_) std::exchange(on_loaded_, nullptr)(&error);
  if (environment_.on_load_failed) environment_.on_load_failed(error);
}

void LoadedModel::start_worker() {
  WorkerLaunch launch = environment_.launch;
  // After ckd's own (the kernel wisdom).
  const std::vector<std::string> model_arguments = {
      "--model",       record_.path,
      "--image",       weights_->path().string(),
      "--image-bytes", std::to_string(weights_->content_bytes()),
      "--placement",   weights_->placement(),
      "--threads",     std::to_string(record_.threads),
      "--context",     std::to_string(record_.context)};
  launch.arguments.insert(launch.arguments.end(), model_arguments.begin(), model_arguments.end());
  // A worker that maps the model file itself (no huge page copy) opens it by name, with its own rights:
  // it must find the very file ckd opened with the caller's, not one swapped in since.
  if (!weights_->in_hugepages())
    launch.arguments.insert(launch.arguments.end(), {"--image-identity", weights_->identity_text()});
  try {
    worker_.emplace(WorkerProcess::start(launch));
    ::fcntl(worker_->socket(), F_SETFL, ::fcntl(worker_->socket(), F_GETFL) | O_NONBLOCK);
    sd_event_source* source = nullptr;
    if (const int r =
            sd_event_add_io(environment_.loop, &source, worker_->socket(), EPOLLIN, on_socket, this);
        r < 0)
      throw std::system_error(-r, std::generic_category(), "sd_event_add_io");
    socket_source_.reset(source);
    if (const int r = sd_event_add_child(environment_.loop, &source, worker_->pid(), WEXITED, on_child, this);
        r < 0)
      throw std::system_error(-r, std::generic_category(), "sd_event_add_child");
    child_source_.reset(source);
    last_heard_usec_ = now_usec();
    kill_reason_.clear();
    arm_silence_timer();
    log(LogLevel::info, "model " + record_.tenant + "/" + record_.name + ": worker " +
                            std::to_string(worker_->pid()) + " started");
  } catch (const std::exception& e) {
    socket_source_.reset();
    child_source_.reset();
    silence_timer_.reset();
    worker_.reset();
    fail_load(DaemonError(error_name::kWorkerFailed, std::string("cannot start the worker: ") + e.what()));
  }
}

RequestTicket LoadedModel::generate(GenerateRequest request, GenerateCallbacks callbacks) {
  if (state_ == ModelState::failed) {
    callbacks.on_error(DaemonError(error_name::kWorkerFailed, "model '" + record_.name + "' failed to load"));
    return 0;
  }
  const RequestTicket ticket = ++last_ticket_;
  log(LogLevel::debug, "model " + record_.tenant + "/" + record_.name + ": request " +
                           std::to_string(ticket) + " queued behind " +
                           std::to_string(queue_.size() + (active_ ? 1 : 0)) + " (model " +
                           to_string(state_) + ")");
  Pending pending{.ticket = ticket, .request = std::move(request), .callbacks = std::move(callbacks)};
  if (state_ != ModelState::ready) pending.wait_deadline_usec = now_usec() + usec(environment_.wait_limit);
  queue_.push_back(std::move(pending));
  if (state_ != ModelState::ready) arm_wait_timer();
  send_next_request();
  return ticket;
}

bool LoadedModel::cancel(RequestTicket ticket) {
  const auto queued =
      std::find_if(queue_.begin(), queue_.end(), [ticket](const Pending& p) { return p.ticket == ticket; });
  if (queued != queue_.end()) {
    Pending cancelled = std::move(*queued);
    queue_.erase(queued);
    log(LogLevel::debug, "model " + record_.tenant + "/" + record_.name + ": queued request " +
                             std::to_string(ticket) + " cancelled");
    GenerateDone nothing_generated;
    nothing_generated.stop = "cancelled";
    cancelled.callbacks.on_done(nothing_generated);
    return true;
  }
  if (!active_ || active_->ticket != ticket) return false;
  if (!active_->cancel_sent && worker_) {
    log(LogLevel::debug, "model " + record_.tenant + "/" + record_.name + ": stopping request " +
                             std::to_string(ticket) + " in worker " + std::to_string(worker_->pid()));
    active_->cancel_sent = true;
    send_to_worker(Cancel{});  // the worker answers GenerateDone with stop "cancelled"
  }
  return true;
}

void LoadedModel::send_next_request() {
  if (active_ || queue_.empty() || state_ != ModelState::ready) return;
  active_.emplace(std::move(queue_.front()));
  queue_.pop_front();
  log(LogLevel::debug, "model " + record_.tenant + "/" + record_.name + ": request " +
                           std::to_string(active_->ticket) + " sent to worker " +
                           std::to_string(worker_->pid()));
  send_to_worker(active_->request);
}

void LoadedModel::send_to_worker(const WorkerMessage& message) {
  if (!send_whole(worker_->socket(), encode_frame(message))) {
    log(LogLevel::warning, "model " + record_.name + ": cannot send to the worker, stopping it");
    kill_reason_ = "stopped reading its socket";
    ::kill(worker_->pid(), SIGKILL);
  }
}

std::uint64_t LoadedModel::now_usec() const {
  std::uint64_t now = 0;
  sd_event_now(environment_.loop, CLOCK_MONOTONIC, &now);
  return now;
}

void LoadedModel::start_waiting_for_model() {
  const std::uint64_t deadline = now_usec() + usec(environment_.wait_limit);
  for (Pending& pending : queue_) pending.wait_deadline_usec = deadline;
  arm_wait_timer();
}

void LoadedModel::arm_wait_timer() {
  wait_timer_.reset();
  if (queue_.empty() || state_ == ModelState::ready) return;
  std::uint64_t earliest = queue_.front().wait_deadline_usec;
  for (const Pending& pending : queue_) earliest = std::min(earliest, pending.wait_deadline_usec);
  sd_event_source* timer = nullptr;
  if (sd_event_add_time(environment_.loop, &timer, CLOCK_MONOTONIC, earliest, 0, on_wait_timer, this) >= 0)
    wait_timer_.reset(timer);
}

int LoadedModel::on_wait_timer(sd_event_source*, uint64_t, void* self) {
  static_cast<LoadedModel*>(self)->time_out_waiting_requests();
  return 0;
}

void LoadedModel::time_out_waiting_requests() {
  wait_timer_.reset();
  if (state_ == ModelState::ready) return;
  const std::uint64_t now = now_usec();
  std::deque<Pending> expired;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->wait_deadline_usec <= now) {
      expired.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  const auto waited_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(environment_.wait_limit).count();
  const std::string waited =
      waited_ms % 1000 == 0 ? std::to_string(waited_ms / 1000) + " s" : std::to_string(waited_ms) + " ms";
  const std::string why =
      "model '" + record_.name + "' is still " + to_string(state_) + " after " + waited + "; try again later";
  for (Pending& pending : expired) pending.callbacks.on_error(DaemonError(error_name::kTimeout, why));
  arm_wait_timer();
}

void LoadedModel::arm_silence_timer() {
  sd_event_source* timer = nullptr;
  const std::uint64_t due = last_heard_usec_ + usec(kWorkerSilenceLimit);
  if (sd_event_add_time(environment_.loop, &timer, CLOCK_MONOTONIC, due, 0, on_silence_timer, this) >= 0)
    silence_timer_.reset(timer);
}

int LoadedModel::on_silence_timer(sd_event_source*, uint64_t, void* self) {
  static_cast<LoadedModel*>(self)->check_worker_alive();
  return 0;
}

void LoadedModel::check_worker_alive() {
  silence_timer_.reset();
  if (!worker_) return;
  // What arrived while ckd itself was busy counts: only the worker's silence may condemn it.
  if (socket_source_) handle_readable();
  if (!worker_) return;
  if (now_usec() - last_heard_usec_ < usec(kWorkerSilenceLimit)) {
    arm_silence_timer();
    return;
  }
  const auto silent_ms = std::chrono::duration_cast<std::chrono::milliseconds>(kWorkerSilenceLimit).count();
  kill_reason_ = "sent no heartbeat for " + std::to_string(silent_ms) + " ms (stopped or hung)";
  log(LogLevel::warning, "model " + record_.tenant + "/" + record_.name + ": worker " +
                             std::to_string(worker_->pid()) + " " + kill_reason_ + "; killing it");
  ::kill(worker_->pid(), SIGKILL);  // its exit restarts it (handle_exit)
}

int LoadedModel::on_socket(sd_event_source*, int, uint32_t, void* self) {
  static_cast<LoadedModel*>(self)->handle_readable();
  return 0;
}

void LoadedModel::handle_readable() {
  std::array<std::byte, 64 * 1024> buffer;
  while (true) {
    const ssize_t received = ::read(worker_->socket(), buffer.data(), buffer.size());
    if (received > 0) {
      last_heard_usec_ = now_usec();
      decoder_.feed(buffer.data(), static_cast<std::size_t>(received));
      continue;
    }
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && errno == EAGAIN) break;
    // End of file or an error: the worker is dying; its exit is handled by the child source.
    socket_source_.reset();
    break;
  }
  try {
    while (auto message = decoder_.next()) {
      handle_message(std::move(*message));
      if (!worker_) return;
    }
  } catch (const ProtocolError& e) {
    log(LogLevel::warning, "model " + record_.name + ": " + e.what() + "; stopping the worker");
    socket_source_.reset();
    kill_reason_ = std::string("broke the protocol: ") + e.what();
    ::kill(worker_->pid(), SIGKILL);
  }
}

void LoadedModel::handle_message(WorkerMessage message) {
  if (std::holds_alternative<Heartbeat>(message)) {
    return;  // handle_readable noted when it was heard
  }
  if (auto* ready = std::get_if<WorkerReady>(&message)) {
    weight_bytes_ = ready->weight_bytes;
    consecutive_failures_ = 0;
    wait_timer_.reset();
    set_state(ModelState::ready);
    if (on_loaded_) std::exchange(on_loaded_, nullptr)(nullptr);
    send_next_request();
  } else if (auto* failed = std::get_if<LoadFailed>(&message)) {
    fail_load(DaemonError(error_name::kBadModel, failed->message));
  } else if (auto* piece = std::get_if<Piece>(&message)) {
    if (active_ && active_->callbacks.on_piece) active_->callbacks.on_piece(piece->text);
  } else if (auto* done = std::get_if<GenerateDone>(&message)) {
    if (active_) std::exchange(active_, std::nullopt)->callbacks.on_done(*done);
    send_next_request();
  } else if (auto* refused = std::get_if<GenerateFailed>(&message)) {
    if (active_) {
      std::exchange(active_, std::nullopt)
          ->callbacks.on_error(DaemonError(error_name::kInvalidArgument, refused->message));
    }
    send_next_request();
  } else {
    throw ProtocolError("the worker sent a message only ckd sends");
  }
}

int LoadedModel::on_child(sd_event_source*, const siginfo_t* info, void* self) {
  static_cast<LoadedModel*>(self)->handle_exit(*info);
  return 0;
}

void LoadedModel::handle_exit(const siginfo_t& info) {
  const std::string how = "worker " + std::to_string(worker_->pid()) + " " +
                          (kill_reason_.empty() ? describe_exit(info) : kill_reason_ + " and was killed");
  socket_source_.reset();
  child_source_.reset();
  silence_timer_.reset();
  worker_->mark_reaped();
  ::waitpid(worker_->pid(), nullptr, WNOHANG);
  worker_.reset();
  decoder_ = FrameDecoder();
  // Only the running request was caught; the queued ones wait for the next worker.
  fail_running_request("model '" + record_.name + "': " + how + "; it is restarting");
  if (state_ == ModelState::failed) return;  // a load failure, already reported
  if (state_ == ModelState::loading) {
    // The model never became ready: it will not by trying again.
    fail_load(
        DaemonError(error_name::kWorkerFailed, "model '" + record_.name + "': " + how + " while loading"));
    return;
  }
  const std::uint64_t backoff =
      std::min(kLastBackoffUsec, kFirstBackoffUsec << std::min(consecutive_failures_, 10u));
  ++consecutive_failures_;
  ++restarts_;
  log(LogLevel::warning, "model " + record_.tenant + "/" + record_.name + ": " + how + "; restarting in " +
                             std::to_string(backoff / 1000) + " ms");
  set_state(ModelState::restarting);
  start_waiting_for_model();
  sd_event_source* timer = nullptr;
  if (sd_event_add_time_relative(environment_.loop, &timer, CLOCK_MONOTONIC, backoff, 0, on_restart_timer,
                                 this) >= 0) {
    restart_timer_.reset(timer);
  }
}

int LoadedModel::on_restart_timer(sd_event_source*, uint64_t, void* self) {
  auto* model = static_cast<LoadedModel*>(self);
  model->restart_timer_.reset();
  model->start_worker();
  return 0;
}

void LoadedModel::fail_running_request(const std::string& why) {
  if (active_)
    std::exchange(active_, std::nullopt)->callbacks.on_error(DaemonError(error_name::kWorkerFailed, why));
}

void LoadedModel::fail_requests(const std::string& why) {
  std::deque<Pending> failed = std::move(queue_);
  queue_.clear();
  if (active_) failed.push_front(std::move(*std::exchange(active_, std::nullopt)));
  for (Pending& pending : failed) pending.callbacks.on_error(DaemonError(error_name::kWorkerFailed, why));
}

void LoadedModel::set_state(ModelState state) {
  state_ = state;
  if (environment_.on_change) environment_.on_change();
}

}  // namespace ck::daemon
