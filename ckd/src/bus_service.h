// org.ckernel.Manager1 on D-Bus (docs/dbus-api.md): the manager object with its methods, signals and
// properties, the tenant and model objects (fallback vtables with a node enumerator), the ObjectManager,
// authorisation of state-changing calls, and asynchronous replies to LoadModel and Generate.
#pragma once

#include <systemd/sd-bus.h>

#include <memory>
#include <string>

#include "event_source.h"
#include "generate_calls.h"
#include "host.h"
#include "manager.h"

namespace ck::daemon {

class BusService final : public ChangeListener {
 public:
  // Registers the objects and then takes the bus name; throws std::system_error when the bus refuses.
  BusService(sd_bus* bus, Manager& manager, Host& host);
  ~BusService() override;
  BusService(const BusService&) = delete;
  BusService& operator=(const BusService&) = delete;

  void tenant_added(const std::string& tenant) override;
  void tenant_removed(const std::string& tenant) override;
  void tenant_changed(const std::string& tenant) override;
  void model_added(const std::string& tenant, const std::string& model) override;
  void model_removed(const std::string& tenant, const std::string& model) override;
  void model_changed(const std::string& tenant, const std::string& model) override;
  void load_progress(const std::string& tenant, const std::string& model, std::uint64_t done,
                     std::uint64_t total) override;

  sd_bus* bus() const noexcept { return bus_; }
  Manager& manager() const noexcept { return manager_; }
  Host& host() const noexcept { return host_; }
  // Shared with the reply callbacks, which may outlive this object (the models end after the bus side).
  const std::shared_ptr<GenerateCalls>& generate_calls() const noexcept { return generate_calls_; }

 private:
  void announce_status() const;

  sd_bus* bus_;
  Manager& manager_;
  Host& host_;
  std::shared_ptr<GenerateCalls> generate_calls_;
  BusSlot manager_slot_;
  BusSlot tenant_slot_;
  BusSlot model_slot_;
  BusSlot enumerator_slot_;
  BusSlot object_manager_slot_;
};

}  // namespace ck::daemon
