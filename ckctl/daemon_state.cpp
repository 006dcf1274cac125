#include "daemon_state.h"

#include <algorithm>
#include <map>

namespace ck::ckctl {

BusValueMap read_properties(BusClient& bus, const char* path, const char* interface) {
  MethodCall call = bus.call(path, "org.freedesktop.DBus.Properties", "GetAll");
  call.arg(std::string_view(interface));
  return bus.invoke(call).read_dictionary();
}

DaemonState read_daemon_state(BusClient& bus) {
  DaemonState state;
  state.manager = read_properties(bus, kManagerPath, kManagerInterface);

  std::map<std::string, TenantState> tenants;  // ordered by name
  std::vector<BusValueMap> models;
  const MethodCall call = bus.call(kManagerPath, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
  Message reply = bus.invoke(call);
  reply.for_each_entry("oa{sa{sv}}", [&](Message& object) {
    object.read_object_path();
    object.for_each_entry("sa{sv}", [&](Message& interface) {
      const std::string name = interface.read_string();
      BusValueMap properties = interface.read_dictionary();
      if (name == kTenantInterface) {
        tenants[string_of(properties, "Name")].properties = std::move(properties);
      } else if (name == kModelInterface) {
        models.push_back(std::move(properties));
      }
    });
  });
  std::ranges::sort(models, {}, [](const BusValueMap& model) { return string_of(model, "Name"); });
  for (BusValueMap& model : models) {
    const auto tenant = tenants.find(string_of(model, "Tenant"));
    if (tenant != tenants.end()) tenant->second.models.push_back(std::move(model));
  }
  for (auto& [name, tenant] : tenants) state.tenants.push_back(std::move(tenant));
  return state;
}

}  // namespace ck::ckctl
