#include "manager.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "ckernel/api/shipped_models.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/stale_groups.h"
#include "errors.h"
#include "log.h"
#include "model_file.h"
#include "names.h"
#include "state_file.h"

namespace ck::daemon {

using ck::Json;

namespace {

namespace fs = std::filesystem;

// Restoring a tenant or model is tried again after 1 s, then twice as long each time, up to a minute.
constexpr std::uint64_t kFirstRetryUsec = 1'000'000;
constexpr std::uint64_t kLastRetryUsec = 60'000'000;

fs::path state_file(const DaemonOptions& options) { return options.state_dir / "state.json"; }

// A model runs on 1 to as many threads as its tenant has CPUs: more only makes them wait for each other
// at every barrier.
bool threads_fit(unsigned threads, unsigned cpus) { return threads >= 1 && threads <= cpus; }

std::string describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

DaemonError as_daemon_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const DaemonError& e) {
    return e;
  } catch (const std::exception& e) {
    return DaemonError(error_name::kBadModel, e.what());
  }
}

}  // namespace

Manager::Manager(const DaemonOptions& options, sd_event* loop, Host& host,
                 std::optional<WorkerIdentity> workers)
    : options_(options),
      loop_(loop),
      host_(host),
      cgroup_parent_(options.cgroup_parent.empty() ? default_cgroup_parent() : options.cgroup_parent),
      worker_path_(options.worker_path.empty() ? default_worker_path() : options.worker_path),
      worker_identity_(std::move(workers)),
      file_jobs_(loop) {
  // A parent ckd makes goes again at exit; the service cgroup systemd delegated stays systemd's.
  remove_parent_at_exit_ = !cgroup_parent_.ends_with(".service") && !tuning::group_exists(cgroup_parent_);
  log(LogLevel::info,
      "tenant groups under " + cgroup_parent_ + ", workers " + worker_path_.string() + " as " +
          (worker_identity_ ? worker_identity_->user : std::string("root (no user 'ckernel')")));
}

Manager::~Manager() {
  // Workers first (each model's destructor kills its worker), then the slices they lived in.
  for (auto& [name, tenant] : tenants_) tenant->models.clear();
  tenants_.clear();
  if (remove_parent_at_exit_ && !tuning::remove_group_if_unused(cgroup_parent_))
    log(LogLevel::warning, "the tenant parent group " + cgroup_parent_ + " is not empty; it stays");
}

Tenant& Manager::tenant(const std::string& name) const {
  const auto found = tenants_.find(name);
  if (found == tenants_.end()) throw DaemonError(error_name::kUnknownTenant, "no tenant '" + name + "'");
  return *found->second;
}

LoadedModel& Manager::model(const std::string& tenant_name, const std::string& model_name) const {
  Tenant& owner = tenant(tenant_name);
  const auto found = owner.models.find(model_name);
  if (found == owner.models.end()) {
    throw DaemonError(error_name::kUnknownModel,
                      "no model '" + model_name + "' in tenant '" + tenant_name + "'");
  }
  return *found->second;
}

void Manager::activate(Tenant& tenant) {
  std::vector<std::pair<std::string, tuning::IdList>> taken;
  for (const auto& [name, other] : tenants_) {
    if (name == tenant.name()) continue;
    if (other->settings) {
      taken.emplace_back(name, other->settings->cpus);
    } else {
      // A tenant waiting to be restored keeps its CPUs: nobody may take them meanwhile.
      try {
        taken.emplace_back(name, tuning::IdList::parse(other->record.cpus));
      } catch (const tuning::TuningError&) {
        // A record whose cpulist no longer parses holds nothing; its own retries say why.
      }
    }
  }
  ValidatedTenant settings =
      validate_tenant(tenant.record, HostCapacity{host_.cpus(), host_.nodes(), host_.memory_bytes()}, taken);
  tuning::TenantSpec spec;
  spec.name = settings.record.name;
  spec.parent = cgroup_parent_;
  spec.cpus = settings.cpus;
  spec.memory_nodes = settings.nodes;
  if (settings.record.memory_limit_bytes > 0) spec.memory_limit_bytes = settings.record.memory_limit_bytes;
  try {
    tenant.slice.emplace(tuning::TenantSlice::create(spec));
  } catch (const tuning::TuningError& e) {
    throw DaemonError(error_name::kFailed, e.what());
  }
  tenant.record = settings.record;
  tenant.settings = std::move(settings);
  tenant.error.clear();
}

void Manager::create_tenant(const TenantRecord& request) {
  require_valid_name(request.name, "tenant");
  if (tenants_.contains(request.name))
    throw DaemonError(error_name::kTenantExists, "tenant '" + request.name + "' exists");
  auto tenant = std::make_unique<Tenant>();
  tenant->record = request;
  // A group of this name that ckd does not know can only be what a killed ckd made just before it could
  // write its state file: it goes, with whatever still runs in it.
  const auto sweep = tuning::remove_stale_tenant_groups(cgroup_parent_, {request.name});
  for (const std::string& problem : sweep.problems) log(LogLevel::warning, problem);
  activate(*tenant);
  log(LogLevel::info,
      "tenant " + request.name + ": CPUs " + tenant->record.cpus + ", nodes " + tenant->record.mems);
  tenants_.emplace(request.name, std::move(tenant));
  if (listener_) listener_->tenant_added(request.name);
  save();
}

void Manager::remove_tenant(const std::string& name) {
  Tenant& removed = tenant(name);
  while (!removed.models.empty()) {
    const std::string model_name = removed.models.begin()->first;  // a copy: unloading erases the key
    unload_model(name, model_name);
  }
  tenants_.erase(name);
  tenant_retries_.erase(name);
  std::erase_if(model_retries_, [&name](const auto& entry) { return entry.first.first == name; });
  std::erase_if(load_ids_, [&name](const auto& entry) { return entry.first.first == name; });
  log(LogLevel::info, "tenant " + name + " removed");
  if (listener_) listener_->tenant_removed(name);
  save();
}

std::string Manager::load_model(const std::string& tenant_name, const std::string& requested_path,
                                const LoadOptions& options, LoadCallback on_loaded) {
  Tenant& owner = tenant(tenant_name);
  // A bare name is a model the package ships; the state file keeps the path it resolved to.
  const std::string path =
      api::is_shipped_model_name(requested_path)
          ? (options_.models_dir / (requested_path + std::string(api::kShippedModelSuffix))).string()
          : requested_path;
  const std::string name = options.name.value_or(fs::path(path).stem().string());
  if (!options.name) {
    try {
      require_valid_name(name, "model");
    } catch (const DaemonError&) {
      throw DaemonError(
          error_name::kInvalidArgument,
          "the file name '" + name + "' is not a valid model name; give one with the option 'name'");
    }
  }
  require_valid_name(name, "model");
  if (owner.models.contains(name) ||
      std::any_of(owner.waiting.begin(), owner.waiting.end(),
                  [&name](const ModelRecord& waiting) { return waiting.name == name; })) {
    throw DaemonError(error_name::kModelExists,
                      "model '" + name + "' exists in tenant '" + tenant_name + "'");
  }
  if (!owner.active()) {
    throw DaemonError(error_name::kFailed,
                      "tenant '" + tenant_name + "' is not active (" + owner.error + "); ckd retries it");
  }
  require_absolute_model_path(path);
  const unsigned cpus = static_cast<unsigned>(owner.settings->cpus.size());
  const unsigned threads = options.threads.value_or(
      options_.default_threads > 0 ? std::min(options_.default_threads, cpus) : cpus);
  if (!threads_fit(threads, cpus)) {
    throw DaemonError(error_name::kInvalidArgument,
                      "threads must be from 1 to " + std::to_string(cpus) + ", the CPUs of tenant '" +
                          tenant_name + "' (" + owner.record.cpus + "), not " + std::to_string(threads));
  }
  const ModelRecord record{tenant_name, name, path, threads, options.context.value_or(0), options.caller.uid};
  start_load(owner, record, options.caller, std::move(on_loaded), /*kept=*/false);
  save();
  return name;
}

void Manager::start_load(Tenant& owner, const ModelRecord& requested, const Caller& caller,
                         LoadCallback on_loaded, bool kept) {
  const std::string tenant_name = owner.name();
  // load_model refuses threads the tenant cannot give; a state file edited by hand may still hold them (0
  // left the worker unpinned, millions had it start that many threads). The model loads all the same, on
  // as many threads as the tenant has CPUs, and the next save writes that.
  ModelRecord record = requested;
  const auto cpus = static_cast<unsigned>(owner.settings->cpus.size());
  if (!threads_fit(record.threads, cpus)) {
    log(LogLevel::warning, "model " + tenant_name + "/" + record.name + ": threads " +
                               std::to_string(record.threads) + " is not from 1 to the tenant's " +
                               std::to_string(cpus) + " CPUs; it runs on " + std::to_string(cpus));
    record.threads = cpus;
  }
  const std::string name = record.name;
  const ModelKey key{tenant_name, name};
  ModelEnvironment environment;
  environment.loop = loop_;
  environment.launch.executable = worker_path_;
  // The worker applies the kernel wisdom ckd read (or finds, as ckd did, none to apply).
  environment.launch.arguments = {"--kernel-wisdom", host_.kernel_wisdom().path.string()};
  environment.launch.cpus = cpus_for_model(owner, record.name, record.threads);
  environment.launch.nodes = owner.settings->nodes;
  environment.launch.identity = worker_identity_;
  environment.launch.attach = [slice = &*owner.slice](pid_t pid) { slice->attach(pid); };
  environment.on_change = [this, tenant_name, name] {
    if (listener_) listener_->model_changed(tenant_name, name);
  };
  // Every load gets an id of its own: a file job that finishes after its model was unloaded (and maybe
  // loaded again, perhaps at the same address) must not reach the new one.
  const std::uint64_t load = ++last_load_id_;
  environment.on_load_failed = [this, key, load, kept](const DaemonError& error) {
    log(LogLevel::warning, "model " + key.first + "/" + key.second + " not loaded: " + error.what());
    defer([this, key, load, kept] { load_failed(key, load, kept); });
  };
  if (kept && !on_loaded) {
    // A model of the state file (or one being retried) that becomes ready needs no more retries.
    on_loaded = [this, key](const DaemonError* error) {
      if (error == nullptr) model_retries_.erase(key);
    };
  }
  auto loaded = std::make_unique<LoadedModel>(record, 0, std::move(environment), std::move(on_loaded));
  load_ids_[key] = load;
  const bool replaced = owner.models.erase(name) > 0;
  owner.models.emplace(name, std::move(loaded));
  if (listener_)
    replaced ? listener_->model_changed(tenant_name, name) : listener_->model_added(tenant_name, name);

  // Opening and parsing the file happen off the loop, as the user who asked; the limit check is back on
  // the loop, in submission order, so two loads into one tenant cannot both slip under its limit.
  auto file = std::make_shared<std::shared_ptr<ModelFile>>();
  auto footprint = std::make_shared<ModelFootprint>();
  const std::optional<int> node =
      owner.settings->nodes.size() == 1 ? std::optional(owner.settings->nodes.ids()[0]) : std::nullopt;
  file_jobs_.submit(
      [file, footprint, path = record.path, context = record.context, caller](const FileJobs::Progress&) {
        *file = ModelFile::open(path, caller);
        *footprint = probe_model(**file, context);
      },
      nullptr,
      [this, key, load, file, footprint, node](std::exception_ptr error) {
        LoadedModel* loaded = still_loaded(key, load);
        if (loaded == nullptr) return;
        if (error) return loaded->fail_load(as_daemon_error(error));
        Tenant& owner = tenant(key.first);
        const std::uint64_t limit = owner.record.memory_limit_bytes;
        std::uint64_t in_use = 0;
        for (const auto& [other, model] : owner.models)
          if (model.get() != loaded) in_use += model->footprint_bytes();
        if (limit > 0 && in_use + footprint->total() > limit) {
          return loaded->fail_load(DaemonError(
              error_name::kModelTooLarge,
              "model '" + key.second + "' needs " + std::to_string(footprint->total()) + " bytes (weights " +
                  std::to_string(footprint->weight_bytes) +
                  " + KV cache and activations) and the tenant's models " + std::to_string(in_use) +
                  " more, but tenant '" + key.first + "' is limited to " + std::to_string(limit) + " bytes"));
        }
        loaded->set_footprint_bytes(footprint->total());
        place_weights(key, load, std::move(*file), node);
      });
}

tuning::IdList Manager::cpus_for_model(const Tenant& owner, const std::string& model_name,
                                       unsigned threads) const {
  // The engine pins a worker's threads to the first CPUs it may use: two models given the whole tenant
  // would share its first CPUs and leave the others idle. Each model gets the CPUs its tenant's other
  // models use least, lowest first (a model being loaded again does not count against itself).
  std::vector<std::pair<unsigned, int>> load;  // models on the CPU, CPU
  for (const int cpu : owner.settings->cpus.ids()) {
    unsigned users = 0;
    for (const auto& [name, model] : owner.models)
      users += name != model_name && model->cpus().contains(cpu) ? 1 : 0;
    load.emplace_back(users, cpu);
  }
  std::stable_sort(load.begin(), load.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<int> chosen;
  for (std::size_t i = 0; i < load.size() && chosen.size() < threads; ++i) chosen.push_back(load[i].second);
  std::sort(chosen.begin(), chosen.end());
  return tuning::IdList(std::move(chosen));
}

LoadedModel* Manager::still_loaded(const ModelKey& key, std::uint64_t load) const {
  const auto id = load_ids_.find(key);
  if (id == load_ids_.end() || id->second != load) return nullptr;
  const auto owner = tenants_.find(key.first);
  if (owner == tenants_.end()) return nullptr;
  const auto entry = owner->second->models.find(key.second);
  return entry != owner->second->models.end() ? entry->second.get() : nullptr;
}

void Manager::place_weights(const ModelKey& key, std::uint64_t load, std::shared_ptr<ModelFile> file,
                            std::optional<int> node) {
  // The model may be unloaded (and even loaded again) while its weights are copied: the result goes to the
  // model object that asked, if it still exists.
  auto weights = std::make_shared<std::shared_ptr<const tuning::ResidentFile>>();
  tuning::ResidentFileStore& store = host_.resident_files();
  file_jobs_.submit(
      [weights, file, node, &store](const FileJobs::Progress& report) {
        *weights = store.acquire(file->path(), file->fd(), node,
                                 [&report](std::size_t done, std::size_t total) { report(done, total); });
      },
      [this, key, load](std::uint64_t done, std::uint64_t total) {
        if (listener_ && still_loaded(key, load))
          listener_->load_progress(key.first, key.second, done, total);
      },
      [this, key, load, weights](std::exception_ptr error) {
        LoadedModel* loaded = still_loaded(key, load);
        if (loaded == nullptr) return;
        if (error) return loaded->fail_load(DaemonError(error_name::kBadModel, describe(error)));
        if ((*weights)->in_hugepages() && worker_identity_ &&
            ::chown((*weights)->path().c_str(), worker_identity_->uid, worker_identity_->gid) != 0) {
          // The copy is made by root; the worker reads it as its own user.
          log(LogLevel::warning,
              "chown " + (*weights)->path().string() + " failed; the worker may not read it");
        }
        log(LogLevel::info, "model " + key.first + "/" + key.second + ": " + (*weights)->path().string() +
                                ", " + (*weights)->placement());
        loaded->start(std::move(*weights));
        if (listener_) listener_->model_changed(key.first, key.second);
      });
}

void Manager::load_failed(const ModelKey& key, std::uint64_t load, bool kept) {
  const LoadedModel* loaded = still_loaded(key, load);
  if (loaded == nullptr) return;
  // Only a client's own load that never became ready goes again (the client got the error). A model of
  // the state file, or one that served before and whose restarted worker failed, stays and is retried.
  if (!kept && loaded->restarts() == 0) {
    unload_model(key.first, key.second);
    return;
  }
  schedule_retry(model_retries_[key]);
}

void Manager::unload_model(const std::string& tenant_name, const std::string& model_name) {
  Tenant& owner = tenant(tenant_name);
  const auto waiting =
      std::find_if(owner.waiting.begin(), owner.waiting.end(),
                   [&model_name](const ModelRecord& record) { return record.name == model_name; });
  if (waiting != owner.waiting.end()) {
    owner.waiting.erase(waiting);
  } else {
    model(tenant_name, model_name);  // throws when unknown
    owner.models.erase(model_name);
  }
  model_retries_.erase({tenant_name, model_name});
  load_ids_.erase({tenant_name, model_name});
  log(LogLevel::info, "model " + tenant_name + "/" + model_name + " unloaded");
  if (listener_) listener_->model_removed(tenant_name, model_name);
  save();
}

void Manager::restore() {
  DaemonState state;
  try {
    state = load_state(state_file(options_));
  } catch (const std::exception& e) {
    // Nothing is written over a state file ckd cannot read: it is kept beside, for the admin to look at,
    // and ckd goes on with an empty state that it saves again, so what clients create now lasts.
    const fs::path kept = state_file(options_).string() + ".unreadable-" + std::to_string(::time(nullptr));
    std::error_code error;
    fs::rename(state_file(options_), kept, error);
    log(LogLevel::error,
        std::string("state not restored: ") + e.what() + "; the file is kept as " +
            (error ? state_file(options_).string() + " (it could not be moved)" : kept.string()));
    if (error) restoring_ = true;  // it could not be moved: never write over it
    return;
  }
  // What a killed ckd left of its tenants: their groups, and workers still running in them.
  std::vector<std::string> names;
  for (const TenantRecord& record : state.tenants) names.push_back(record.name);
  const tuning::StaleGroupSweep sweep = tuning::remove_stale_tenant_groups(cgroup_parent_, names);
  if (!sweep.removed_groups.empty()) {
    remove_parent_at_exit_ = remove_parent_at_exit_ || !cgroup_parent_.ends_with(".service");
    log(LogLevel::warning, "cleared " + std::to_string(sweep.removed_groups.size()) +
                               " tenant group(s) and " + std::to_string(sweep.killed_processes.size()) +
                               " worker(s) a previous ckd left");
  }
  for (const std::string& problem : sweep.problems) log(LogLevel::error, problem);

  restoring_ = true;
  for (const TenantRecord& record : state.tenants) {
    if (tenants_.contains(record.name)) continue;
    auto tenant = std::make_unique<Tenant>();
    tenant->record = record;
    Tenant& added = *tenant;
    tenants_.emplace(record.name, std::move(tenant));
    try {
      activate(added);
    } catch (const std::exception& e) {
      added.error = e.what();
      log(LogLevel::error, "tenant " + record.name + " not restored, will retry: " + e.what());
      schedule_retry(tenant_retries_[record.name]);
    }
    if (listener_) listener_->tenant_added(record.name);
  }
  for (const ModelRecord& record : state.models) {
    const auto owner = tenants_.find(record.tenant);
    if (owner == tenants_.end()) {
      log(LogLevel::error,
          "model " + record.tenant + "/" + record.name + " dropped: its tenant is not in the state");
      continue;
    }
    if (!owner->second->active()) {
      owner->second->waiting.push_back(record);
      continue;
    }
    start_load(*owner->second, record, caller_for_uid(record.owner_uid), nullptr, /*kept=*/true);
  }
  restoring_ = false;
  save();
}

void Manager::schedule_retry(Retry& retry) {
  const std::uint64_t delay = std::min(kLastRetryUsec, kFirstRetryUsec << std::min(retry.attempts, 6u));
  ++retry.attempts;
  retry.due_usec = now() + delay;
  arm_retry_timer();
}

std::uint64_t Manager::now() const {
  std::uint64_t usec = 0;
  sd_event_now(loop_, CLOCK_MONOTONIC, &usec);
  return usec;
}

void Manager::arm_retry_timer() {
  // One timer, set for the earliest retry that is due; none while every attempt is running.
  std::uint64_t earliest = Retry::kRunning;
  for (const auto& [name, retry] : tenant_retries_) earliest = std::min(earliest, retry.due_usec);
  for (const auto& [key, retry] : model_retries_) earliest = std::min(earliest, retry.due_usec);
  if (earliest == Retry::kRunning) {
    retry_timer_.reset();
    return;
  }
  if (retry_timer_) {
    sd_event_source_set_time(retry_timer_.get(), earliest);
    sd_event_source_set_enabled(retry_timer_.get(), SD_EVENT_ONESHOT);
    return;
  }
  sd_event_source* timer = nullptr;
  if (sd_event_add_time(loop_, &timer, CLOCK_MONOTONIC, earliest, 0, on_retry_timer, this) >= 0)
    retry_timer_.reset(timer);
}

int Manager::on_retry_timer(sd_event_source*, uint64_t, void* self) {
  auto* manager = static_cast<Manager*>(self);
  manager->run_due_retries();
  manager->arm_retry_timer();
  return 0;
}

void Manager::run_due_retries() {
  const std::uint64_t time = now();
  for (auto it = tenant_retries_.begin(); it != tenant_retries_.end();) {
    const auto entry = tenants_.find(it->first);
    if (entry == tenants_.end() || entry->second->active()) {
      it = tenant_retries_.erase(it);
      continue;
    }
    if (it->second.due_usec > time) {
      ++it;
      continue;
    }
    Tenant& tenant = *entry->second;
    try {
      activate(tenant);
      log(LogLevel::info,
          "tenant " + tenant.name() + " restored on attempt " + std::to_string(it->second.attempts + 1));
      for (const ModelRecord& record : std::exchange(tenant.waiting, {}))
        start_load(tenant, record, caller_for_uid(record.owner_uid), nullptr, /*kept=*/true);
      it = tenant_retries_.erase(it);
    } catch (const std::exception& e) {
      tenant.error = e.what();
      schedule_retry(it->second);
      ++it;
    }
    if (listener_) listener_->tenant_changed(tenant.name());
  }
  for (auto it = model_retries_.begin(); it != model_retries_.end();) {
    const auto owner = tenants_.find(it->first.first);
    Tenant* entry = owner == tenants_.end() ? nullptr : owner->second.get();
    const auto model = entry ? entry->models.find(it->first.second) : decltype(entry->models.end()){};
    if (entry == nullptr || model == entry->models.end()) {
      it = model_retries_.erase(it);
      continue;
    }
    // An attempt still running, or not yet due. A successful one takes its entry away (start_load).
    if (model->second->state() != ModelState::failed || it->second.due_usec > time) {
      ++it;
      continue;
    }
    const ModelRecord record = model->second->record();
    log(LogLevel::info, "model " + record.tenant + "/" + record.name + ": loading again (attempt " +
                            std::to_string(it->second.attempts + 1) + ")");
    it->second.due_usec = Retry::kRunning;
    ++it;  // start_load replaces the model; its entry keeps the count of attempts until one succeeds
    start_load(*entry, record, caller_for_uid(record.owner_uid), nullptr, /*kept=*/true);
  }
}

void Manager::save() const {
  if (restoring_) return;
  DaemonState state;
  for (const auto& [name, tenant] : tenants_) {
    state.tenants.push_back(tenant->record);
    for (const auto& [model_name, model] : tenant->models) state.models.push_back(model->record());
    for (const ModelRecord& waiting : tenant->waiting) state.models.push_back(waiting);
  }
  try {
    save_state(state_file(options_), state);
  } catch (const std::exception& e) {
    log(LogLevel::error, std::string("state not saved: ") + e.what());
  }
}

Json Manager::status() const {
  Json::Array tenants;
  for (const auto& [name, tenant] : tenants_) {
    Json::Array models;
    for (const auto& [model_name, model] : tenant->models) {
      Json::Object entry{{"name", model_name},
                         {"path", model->record().path},
                         {"state", to_string(model->state())},
                         {"worker_pid", static_cast<std::int64_t>(model->worker_pid())},
                         {"threads", model->record().threads},
                         {"restarts", model->restarts()},
                         {"weight_bytes", model->weight_bytes()},
                         {"placement", model->placement()}};
      if (model->state() == ModelState::failed) entry.emplace("error", model->error());
      models.push_back(std::move(entry));
    }
    for (const ModelRecord& waiting : tenant->waiting) {
      models.push_back(Json::Object{{"name", waiting.name},
                                    {"path", waiting.path},
                                    {"state", "failed"},
                                    {"worker_pid", std::int64_t{0}},
                                    {"threads", waiting.threads},
                                    {"restarts", 0u},
                                    {"weight_bytes", std::uint64_t{0}},
                                    {"placement", ""},
                                    {"error", "waiting for tenant '" + name + "' to be restored"}});
    }
    std::uint64_t usage = 0;
    try {
      if (tenant->slice) usage = tenant->slice->usage().memory_bytes;
    } catch (const tuning::TuningError&) {
      // Without a memory controller there is nothing to report.
    }
    Json::Object entry{{"name", name},
                       {"state", tenant->active() ? "active" : "failed"},
                       {"cpus", tenant->record.cpus},
                       {"mems", tenant->record.mems},
                       {"memory_limit", tenant->record.memory_limit_bytes},
                       {"memory_usage", usage},
                       {"cgroup", tenant->slice ? tenant->slice->group() : std::string()},
                       {"models", std::move(models)}};
    if (!tenant->active()) entry.emplace("error", tenant->error);
    tenants.push_back(std::move(entry));
  }
  return Json::Object{{"version", CKERNEL_VERSION},
                      {"host", host_.status()},
                      {"kernel_tuning", host_.kernel_tuning_status()},
                      {"tenants", std::move(tenants)}};
}

std::string Manager::summary() const {
  std::size_t models = 0, ready = 0;
  for (const auto& [name, tenant] : tenants_) {
    models += tenant->waiting.size();
    for (const auto& [model_name, model] : tenant->models) {
      ++models;
      if (model->state() == ModelState::ready) ++ready;
    }
  }
  return std::to_string(tenants_.size()) + " tenants, " + std::to_string(ready) + " of " +
         std::to_string(models) + " models ready";
}

void Manager::defer(std::function<void()> action) {
  deferred_.push_back(std::move(action));
  if (deferred_source_) return;
  sd_event_source* source = nullptr;
  if (sd_event_add_defer(loop_, &source, on_deferred, this) < 0) return;
  deferred_source_.reset(source);
  // Before the next bus message: a client told that its load failed must not then see the model listed.
  sd_event_source_set_priority(source, SD_EVENT_PRIORITY_IMPORTANT);
}

int Manager::on_deferred(sd_event_source*, void* self) {
  auto* manager = static_cast<Manager*>(self);
  manager->deferred_source_.reset();
  for (auto& action : std::exchange(manager->deferred_, {})) {
    try {
      action();
    } catch (const std::exception& e) {
      log(LogLevel::error, e.what());
    }
  }
  return 0;
}

}  // namespace ck::daemon
