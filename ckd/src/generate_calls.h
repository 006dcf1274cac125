// The Generate calls in progress, for Cancel and for clients that leave: who made each one (unique bus
// name and uid), its client-chosen request id, and the model ticket that stops it. A call whose client
// disconnects from the bus is cancelled, so an abandoned request does not hold up the ones behind it.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <cstdint>
#include <map>
#include <string>

#include "event_source.h"
#include "loaded_model.h"
#include "manager.h"

namespace ck::daemon {

class GenerateCalls {
 public:
  using CallId = std::uint64_t;

  struct Caller {
    std::string unique_name;  // empty on a direct connection without a bus
    uid_t uid = 0;
  };

  // Subscribes to the bus's NameOwnerChanged; throws std::system_error when the bus refuses.
  GenerateCalls(sd_bus* bus, Manager& manager);
  GenerateCalls(const GenerateCalls&) = delete;
  GenerateCalls& operator=(const GenerateCalls&) = delete;

  // Registers a call before it is queued, noting whether its caller is still on the bus.
  CallId add(const std::string& request_id, Caller caller, const std::string& tenant,
             const std::string& model);
  // The model accepted the call under `ticket`. Cancels it at once when the caller has already left.
  void queued(CallId call, RequestTicket ticket);
  // The call got its reply.
  void ended(CallId call);

  // Cancels the calls with this request id that `sender` may stop: those of its connection or its user,
  // or every one for root.
  // Throws DaemonError UnknownRequest when no call has the id, PermissionDenied when they are others'.
  void cancel(const std::string& request_id, const Caller& sender);

 private:
  struct Call {
    std::string request_id;
    Caller caller;
    std::string tenant;
    std::string model;
    RequestTicket ticket = 0;  // 0 until the model queued it
    bool caller_left = false;
  };

  static int on_name_owner_changed(sd_bus_message* message, void* self, sd_bus_error*);
  void caller_left(const std::string& unique_name);
  void cancel_call(CallId call, const std::string& why);

  sd_bus* bus_;
  Manager& manager_;
  CallId last_id_ = 0;
  std::map<CallId, Call> calls_;
  BusSlot disconnections_;
};

}  // namespace ck::daemon
