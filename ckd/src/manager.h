// ckd's state and the operations of org.ckernel.Manager1, independent of D-Bus: tenants with their
// cgroup slices, models with their workers, the state file written on every change and restored on start.
// The state file is the truth: a restart reconciles the host with it (clearing what a killed ckd left),
// and what cannot be restored is kept, marked failed with the reason, and tried again, never dropped.
// Refusals are DaemonErrors; long operations (loading, generating) complete through callbacks.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "caller.h"
#include "ckernel/json/json.h"
#include "file_jobs.h"
#include "host.h"
#include "loaded_model.h"
#include "options.h"
#include "tenant.h"
#include "worker_process.h"

namespace ck::daemon {

// What the bus side hears about, to emit signals and property changes.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void tenant_added(const std::string& tenant) = 0;
  virtual void tenant_removed(const std::string& tenant) = 0;
  virtual void tenant_changed(const std::string& tenant) = 0;  // became active, or its error changed
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
  Caller caller;  // the file is opened with this user's rights
};

class Manager {
 public:
  // Clears nothing yet: restore() does, knowing from the state file which groups were ckd's.
  Manager(const DaemonOptions& options, sd_event* loop, Host& host, std::optional<WorkerIdentity> workers);
  // Stops the workers, removes the tenant groups and the parent group if ckd made it.
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  void set_listener(ChangeListener* listener) { listener_ = listener; }
  // Clears what a previous ckd left of the state file's tenants (groups, workers), then makes them and
  // loads their models again. What fails stays, marked failed, and is retried with backoff.
  void restore();

  void create_tenant(const TenantRecord& request);
  void remove_tenant(const std::string& name);
  // Validates and starts the load; returns the model's name. on_loaded runs (always later, on the loop)
  // when the worker is ready or the load failed (the model is then removed again).
  std::string load_model(const std::string& tenant, const std::string& path, const LoadOptions& options,
                         LoadCallback on_loaded);
  void unload_model(const std::string& tenant, const std::string& model);

  const std::map<std::string, std::unique_ptr<Tenant>>& tenants() const noexcept { return tenants_; }
  // Throw DaemonError UnknownTenant / UnknownModel.
  Tenant& tenant(const std::string& name) const;
  LoadedModel& model(const std::string& tenant, const std::string& model) const;

  ck::Json status() const;
  // "2 tenants, 3 of 3 models ready" for sd_notify STATUS=.
  std::string summary() const;

 private:
  // An entry of the state file that could not be brought back yet, and when to try again.
  struct Retry {
    static constexpr std::uint64_t kRunning = UINT64_MAX;  // an attempt is under way: nothing is due
    unsigned attempts = 0;
    std::uint64_t due_usec = kRunning;  // CLOCK_MONOTONIC, the loop's clock
  };
  using ModelKey = std::pair<std::string, std::string>;  // tenant, model

  void activate(Tenant& tenant);  // makes its group; throws DaemonError
  void start_load(Tenant& owner, const ModelRecord& record, const Caller& caller, LoadCallback on_loaded,
                  bool kept);
  void place_weights(const ModelKey& key, std::uint64_t load, std::shared_ptr<class ModelFile> file,
                     std::optional<int> node);
  // The `threads` CPUs of the tenant its other models use least.
  tuning::IdList cpus_for_model(const Tenant& owner, const std::string& model_name, unsigned threads) const;
  // The model if `load` is still its current load (it was not unloaded, nor loaded again, meanwhile).
  LoadedModel* still_loaded(const ModelKey& key, std::uint64_t load) const;
  void load_failed(const ModelKey& key, std::uint64_t load, bool kept);
  void schedule_retry(Retry& retry);
  std::uint64_t now() const;  // the loop's CLOCK_MONOTONIC, in microseconds
  void run_due_retries();
  void arm_retry_timer();
  static int on_retry_timer(sd_event_source*, uint64_t, void* self);
  void save() const;
  void defer(std::function<void()> action);
  static int on_deferred(sd_event_source*, void* self);

  DaemonOptions options_;
  sd_event* loop_;
  Host& host_;
  std::string cgroup_parent_;
  bool remove_parent_at_exit_ = false;
  std::filesystem::path worker_path_;
  std::optional<WorkerIdentity> worker_identity_;
  ChangeListener* listener_ = nullptr;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;
  std::map<std::string, Retry> tenant_retries_;
  std::map<ModelKey, Retry> model_retries_;
  std::uint64_t last_load_id_ = 0;
  std::map<ModelKey, std::uint64_t> load_ids_;  // the current load of each model
  EventSource retry_timer_;
  std::vector<std::function<void()>> deferred_;
  EventSource deferred_source_;
  bool restoring_ = false;
  FileJobs file_jobs_;  // last: its thread stops before anything it reports to goes away
};

}  // namespace ck::daemon
