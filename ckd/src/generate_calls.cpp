#include "generate_calls.h"

#include <cerrno>
#include <system_error>
#include <vector>

#include "errors.h"
#include "log.h"

namespace ck::daemon {

GenerateCalls::GenerateCalls(sd_bus* bus, Manager& manager) : bus_(bus), manager_(manager) {
  // One match for every client that leaves the bus, not one per call or per caller: the bus limits the
  // matches of a connection (512 on the system bus by default), and sd-bus drops a connection whose match
  // could not be installed.
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_add_match(bus, &slot,
                                 "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                 "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''",
                                 on_name_owner_changed, this);
  if (r < 0) throw std::system_error(-r, std::generic_category(), "subscribing to NameOwnerChanged");
  disconnections_.reset(slot);
}

GenerateCalls::CallId GenerateCalls::add(const std::string& request_id, Caller caller,
                                         const std::string& tenant, const std::string& model) {
  const CallId id = ++last_id_;
  Call call{request_id, std::move(caller), tenant, model};
  // A client that left before this point sent its NameOwnerChanged before ckd listened for this call: ask
  // the bus whether the name still has an owner. Any later departure is seen by the match.
  if (!call.caller.unique_name.empty() &&
      sd_bus_get_name_creds(bus_, call.caller.unique_name.c_str(), 0, nullptr) == -ENXIO) {
    call.caller_left = true;
  }
  calls_.emplace(id, std::move(call));
  return id;
}

void GenerateCalls::queued(CallId id, RequestTicket ticket) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;  // it ended before it was queued (a failed model)
  found->second.ticket = ticket;
  if (found->second.caller_left) cancel_call(id, "its client left before it was queued");
}

void GenerateCalls::ended(CallId id) { calls_.erase(id); }

int GenerateCalls::on_name_owner_changed(sd_bus_message* message, void* self, sd_bus_error*) {
  const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
  if (sd_bus_message_read(message, "sss", &name, &old_owner, &new_owner) < 0) return 0;
  // A unique name (":1.42") that lost its owner is a client that left the bus.
  if (name[0] == ':' && new_owner[0] == '\0') static_cast<GenerateCalls*>(self)->caller_left(name);
  return 0;
}

void GenerateCalls::caller_left(const std::string& unique_name) {
  std::vector<CallId> left;
  for (auto& [id, call] : calls_) {
    if (call.caller.unique_name != unique_name) continue;
    call.caller_left = true;
    if (call.ticket != 0) left.push_back(id);
  }
  // Cancelling may end a call (and erase it): ids, not iterators.
  for (const CallId id : left) cancel_call(id, "its client " + unique_name + " left");
}

void GenerateCalls::cancel_call(CallId id, const std::string& why) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;
  const Call call = found->second;  // a copy: cancelling may end the call and erase it
  log(LogLevel::info,
      "model " + call.tenant + "/" + call.model + ": cancelling request '" + call.request_id + "': " + why);
  try {
    manager_.model(call.tenant, call.model).cancel(call.ticket);
  } catch (const DaemonError&) {
    // The model went away; its requests were ended with it.
  }
}

void GenerateCalls::cancel(const std::string& request_id, const Caller& sender) {
  std::vector<CallId> permitted;
  bool found = false;
  for (const auto& [id, call] : calls_) {
    if (call.request_id != request_id) continue;
    found = true;
    const bool own = call.caller.unique_name == sender.unique_name || call.caller.uid == sender.uid;
    if (sender.uid == 0 || own) permitted.push_back(id);
  }
  if (!found) {
    throw DaemonError(error_name::kUnknownRequest,
                      "no Generate call with request id '" + request_id + "' is queued or running");
  }
  if (permitted.empty()) {
    throw DaemonError(
        error_name::kPermissionDenied,
        "request '" + request_id + "' belongs to another user; only its caller or root may cancel it");
  }
  for (const CallId id : permitted) cancel_call(id, "Cancel from " + sender.unique_name);
}

}  // namespace ck::daemon
