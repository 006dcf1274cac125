#include "generate_calls.h"

#include "errors.h"
#include "log.h"

namespace ckernel::daemon {

struct GenerateCalls::Call {
  GenerateCalls* owner;
  CallId id;
  std::string request_id;
  Caller caller;
  std::string tenant;
  std::string model;
  RequestTicket ticket = 0;  // 0 until the model queued it
  bool caller_left = false;
  std::unique_ptr<sd_bus_track, TrackRelease> track;
};

GenerateCalls::GenerateCalls(sd_bus* bus, Manager& manager) : bus_(bus), manager_(manager) {}

GenerateCalls::~GenerateCalls() = default;

GenerateCalls::CallId GenerateCalls::add(const std::string& request_id, Caller caller,
                                         const std::string& tenant, const std::string& model) {
  const CallId id = ++last_id_;
  auto call =
      std::make_unique<Call>(Call{this, id, request_id, std::move(caller), tenant, model, 0, false, nullptr});
  if (!call->caller.unique_name.empty()) {
    // sd_bus_track subscribes to NameOwnerChanged for the name and checks that it still exists, so a
    // client that is gone already is noticed too.
    sd_bus_track* track = nullptr;
    if (sd_bus_track_new(bus_, &track, on_caller_left, call.get()) >= 0) {
      call->track.reset(track);
      if (sd_bus_track_add_name(track, call->caller.unique_name.c_str()) < 0) call->caller_left = true;
    }
  }
  calls_.emplace(id, std::move(call));
  return id;
}

void GenerateCalls::queued(CallId id, RequestTicket ticket) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;  // it ended before it was queued (a failed model)
  found->second->ticket = ticket;
  if (found->second->caller_left) cancel_call(id, "its client left before it was queued");
}

void GenerateCalls::ended(CallId id) { calls_.erase(id); }

int GenerateCalls::on_caller_left(sd_bus_track*, void* userdata) {
  auto* call = static_cast<Call*>(userdata);
  call->caller_left = true;
  // cancel_call may end the call and free *call: nothing of it is used afterwards.
  if (call->ticket != 0)
    call->owner->cancel_call(call->id, "its client " + call->caller.unique_name + " left");
  return 1;
}

void GenerateCalls::cancel_call(CallId id, const std::string& why) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;
  const Call& call = *found->second;
  const std::string tenant = call.tenant, model = call.model;
  const RequestTicket ticket = call.ticket;
  log(LogLevel::info,
      "model " + tenant + "/" + model + ": cancelling request '" + call.request_id + "': " + why);
  try {
    manager_.model(tenant, model).cancel(ticket);
  } catch (const DaemonError&) {
    // The model went away; its requests were ended with it.
  }
}

void GenerateCalls::cancel(const std::string& request_id, const Caller& sender) {
  std::vector<CallId> permitted;
  bool found = false;
  for (const auto& [id, call] : calls_) {
    if (call->request_id != request_id) continue;
    found = true;
    if (sender.uid == 0 || call->caller.unique_name == sender.unique_name) permitted.push_back(id);
  }
  if (!found) {
    throw DaemonError(error_name::kUnknownRequest,
                      "no Generate call with request id '" + request_id + "' is queued or running");
  }
  if (permitted.empty()) {
    throw DaemonError(error_name::kPermissionDenied,
                      "request '" + request_id +
                          "' belongs to another client; only its caller or root "
                          "may cancel it");
  }
  for (const CallId id : permitted) cancel_call(id, "Cancel from " + sender.unique_name);
}

}  // namespace ckernel::daemon
