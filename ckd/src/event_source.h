// Owning handles for sd-event and sd-bus objects, so every event source, slot and message reference is
// released exactly once.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>

namespace ck::daemon {

struct EventSourceRelease {
  void operator()(sd_event_source* source) const noexcept { sd_event_source_disable_unref(source); }
};
using EventSource = std::unique_ptr<sd_event_source, EventSourceRelease>;

struct BusSlotRelease {
  void operator()(sd_bus_slot* slot) const noexcept { sd_bus_slot_unref(slot); }
};
using BusSlot = std::unique_ptr<sd_bus_slot, BusSlotRelease>;

struct BusMessageRelease {
  void operator()(sd_bus_message* message) const noexcept { sd_bus_message_unref(message); }
};
using BusMessage = std::unique_ptr<sd_bus_message, BusMessageRelease>;

}  // namespace ck::daemon
