// ckd's tenants and models as its D-Bus objects describe them (ObjectManager + properties), for the
// commands that show state as text or per-tenant JSON. `ckctl status --json` uses GetStatus instead.
#pragma once

#include <vector>

#include "bus_client.h"
#include "bus_value.h"

namespace ck::ckctl {

struct TenantState {
  BusValueMap properties;           // org.ckernel.Tenant1
  std::vector<BusValueMap> models;  // org.ckernel.Model1 of this tenant, by name
};

struct DaemonState {
  BusValueMap manager;               // org.ckernel.Manager1
  std::vector<TenantState> tenants;  // by name
};

// All properties of one interface of one object.
BusValueMap read_properties(BusClient& bus, const char* path, const char* interface);

DaemonState read_daemon_state(BusClient& bus);

}  // namespace ck::ckctl
