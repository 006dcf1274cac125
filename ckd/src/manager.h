// ckd's state and the operations of org.ckernel.Manager1, independent of D-Bus: tenants with their
// cgroup slices, models with their workers, the state file written on every change and restored on start.
// Refusals are DaemonErrors; long operations (loading, generating) complete through callbacks.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/json/json.h"
#include "host.h"
#include "loaded_model.h"
#include "options.h"
#include "tenant.h"
#include "weight_copier.h"
#include "worker_process.h"

namespace ckernel::daemon {

// What the bus side hears about, to emit signals and property changes.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void tenant_added(const std::string& tenant) = 0;
  virtual void tenant_removed(const std::string& tenant) = 0;
  virtual void model_added(const std::string& tenant, const std::string& model) = 0;
  virtual void model_removed(const std::string& tenant, const std::string& model) = 0;
  virtual void model_changed(const std::string& tenant, const std::string& model) = 0;
  virtual void load_progress(const std::string& tenant, const std::string& model, std::uint64_t done,
                             std::uint64_t total) = 0;
};

struct LoadOptions {
  std::optional<std::string> name;
  std::optional<unsigned> threads;
  std::optional<unsigned> context;
};

class Manager {
 public:
  Manager(const DaemonOptions& options, sd_event* loop, Host& host);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  void set_listener(ChangeListener* listener) { listener_ = listener; }
  // Recreates the tenants and reloads the models of the state file; what fails is logged and dropped.
  void restore();

  void create_tenant(const TenantRecord& request);
  void remove_tenant(const std::string& name);
  // Validates and starts the load; returns the model's name. on_loaded runs when the worker is ready or
  // the load failed (the model is then removed again).
  std::string load_model(const std::string& tenant, const std::string& path, const LoadOptions& options,
                         LoadCallback on_loaded);
  void unload_model(const std::string& tenant, const std::string& model);
  void generate(const std::string& tenant, const std::string& model, GenerateRequest request,
                GenerateCallbacks callbacks);

  const std::map<std::string, std::unique_ptr<Tenant>>& tenants() const noexcept { return tenants_; }
  // Throw DaemonError UnknownTenant / UnknownModel.
  Tenant& tenant(const std::string& name) const;
  LoadedModel& model(const std::string& tenant, const std::string& model) const;

  ck::Json status() const;
  // "2 tenants, 3 models ready" for sd_notify STATUS=.
  std::string summary() const;

 private:
  void save() const;
  std::uint64_t model_footprint(const std::string& path, unsigned context, std::uint64_t* weight_bytes) const;
  void place_weights(const std::string& tenant, const std::string& model, const std::string& path,
                     std::optional<int> node);
  void defer(std::function<void()> action);
  static int on_deferred(sd_event_source*, void* self);

  DaemonOptions options_;
  sd_event* loop_;
  Host& host_;
  std::string cgroup_parent_;
  std::filesystem::path worker_path_;
  std::optional<WorkerIdentity> worker_identity_;
  ChangeListener* listener_ = nullptr;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;
  std::vector<std::function<void()>> deferred_;
  EventSource deferred_source_;
  bool restoring_ = false;
  WeightCopier copier_;  // last: its thread stops before anything it reports to goes away
};

}  // namespace ckernel::daemon
