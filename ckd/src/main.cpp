// ckd: sets the host up (huge pages, hugetlbfs, copy engine), serves org.ckernel.Manager1 on D-Bus from
// an sd-event loop, restores the tenants and models of its state file, and on SIGTERM/SIGINT stops the
// workers and gives back everything it took from the host (the state file stays for the next start).
#include <signal.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "bus_service.h"
#include "ckernel/engine/kernel_wisdom.h"
#include "host.h"
#include "instance_lock.h"
#include "log.h"
#include "manager.h"
#include "options.h"
#include "worker_process.h"

namespace {

namespace daemon = ck::daemon;

void check(int result, const char* what) {
  if (result < 0) throw std::system_error(-result, std::generic_category(), what);
}

struct EventLoopRelease {
  void operator()(sd_event* loop) const noexcept { sd_event_unref(loop); }
};
struct BusRelease {
  void operator()(sd_bus* bus) const noexcept { sd_bus_flush_close_unref(bus); }
};

std::unique_ptr<sd_bus, BusRelease> connect(const daemon::DaemonOptions& options) {
  sd_bus* bus = nullptr;
  if (!options.bus_address.empty()) {
    check(sd_bus_new(&bus), "sd_bus_new");
    std::unique_ptr<sd_bus, BusRelease> owned(bus);
    check(sd_bus_set_address(bus, options.bus_address.c_str()), "sd_bus_set_address");
    check(sd_bus_set_bus_client(bus, 1), "sd_bus_set_bus_client");
    check(sd_bus_start(bus), ("connecting to " + options.bus_address).c_str());
    return owned;
  }
  check(options.user_bus ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus),
        options.user_bus ? "connecting to the user bus" : "connecting to the system bus");
  return std::unique_ptr<sd_bus, BusRelease>(bus);
}

int run(const daemon::DaemonOptions& options) {
  // Child exits and termination signals are events of the loop; blocked before any thread starts.
  sigset_t handled;
  sigemptyset(&handled);
  for (const int signal : {SIGCHLD, SIGTERM, SIGINT}) sigaddset(&handled, signal);
  check(-pthread_sigmask(SIG_BLOCK, &handled, nullptr), "pthread_sigmask");
  ::signal(SIGPIPE, SIG_IGN);

  sd_event* raw_loop = nullptr;
  check(sd_event_default(&raw_loop), "sd_event_default");
  const std::unique_ptr<sd_event, EventLoopRelease> loop(raw_loop);
  check(sd_event_set_watchdog(loop.get(), 1),
        "sd_event_set_watchdog");  // WATCHDOG=1 when WATCHDOG_USEC is set
  for (const int signal : {SIGTERM, SIGINT})
    check(sd_event_add_signal(loop.get(), nullptr, signal, nullptr, nullptr), "sd_event_add_signal");

  // One ckd per runtime directory: the next steps clear what a previous instance left there, which must
  // never be a live one's.
  const daemon::InstanceLock lock(options.runtime_dir);
  const std::optional<daemon::WorkerIdentity> workers = daemon::resolve_worker_identity(options.worker_user);
  // The host's measured kernel tuning (cktune kernels, run by the unit before ckd): applied here too, so
  // that the instruction-set level ckd reports is the workers'. A missing or stale file is no error.
  ck::WisdomUse wisdom = ck::load_kernel_wisdom(options.state_dir / ck::kWisdomFileName);
  ck::apply_kernel_wisdom(wisdom);
  daemon::log(daemon::LogLevel::info, "kernel tuning: " + ck::describe(wisdom));
  daemon::Host host(options, workers ? std::optional(workers->gid) : std::nullopt, std::move(wisdom));
  for (const std::string& note : host.notes()) daemon::log(daemon::LogLevel::info, note);
  const auto bus = connect(options);
  check(sd_bus_attach_event(bus.get(), loop.get(), SD_EVENT_PRIORITY_NORMAL), "sd_bus_attach_event");
  int exit_code = 0;
  {
    daemon::Manager manager(options, loop.get(), host, workers);
    daemon::BusService service(bus.get(), manager, host);
    manager.set_listener(&service);
    manager.restore();
    sd_notifyf(0, "READY=1\nSTATUS=%s", manager.summary().c_str());
    daemon::log(daemon::LogLevel::info, "ready: " + manager.summary());
    exit_code = sd_event_loop(loop.get());
    sd_notify(0, "STOPPING=1\nSTATUS=stopping workers, removing tenant groups");
    manager.set_listener(nullptr);
  }
  daemon::log(daemon::LogLevel::info, "stopped");
  return exit_code < 0 ? 1 : exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const daemon::ParsedOptions parsed = daemon::parse_options(argc, argv);
    if (parsed.help_text) {
      std::fputs(parsed.help_text->c_str(), stdout);
      return 0;
    }
    daemon::set_log_level(parsed.options.log_level);
    return run(parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ckd: %s\n", e.what());
    return 1;
  }
}
