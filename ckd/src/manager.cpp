#include "manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/model_image.h"
#include "ckernel/tuning/error.h"
#include "errors.h"
#include "log.h"
#include "names.h"
#include "state_file.h"

namespace ckernel::daemon {

using ck::Json;

namespace {

namespace fs = std::filesystem;

constexpr unsigned kDefaultContext = 4096;
constexpr std::uint64_t kKvBytesPerValue = 2;  // the KV cache is fp16

fs::path state_file(const DaemonOptions& options) { return options.state_dir / "state.json"; }

}  // namespace

Manager::Manager(const DaemonOptions& options, sd_event* loop, Host& host)
    : options_(options),
      loop_(loop),
      host_(host),
      cgroup_parent_(options.cgroup_parent.empty() ? default_cgroup_parent() : options.cgroup_parent),
      worker_path_(options.worker_path.empty() ? default_worker_path() : options.worker_path),
      worker_identity_(resolve_worker_identity(options.worker_user)),
      copier_(loop, host.resident_files()) {
  log(LogLevel::info,
      "tenant groups under " + cgroup_parent_ + ", workers " + worker_path_.string() + " as " +
          (worker_identity_ ? worker_identity_->user : std::string("root (no user 'ckernel')")));
}

Manager::~Manager() {
  // Workers first (each model's destructor kills its worker), then the slices they lived in.
  for (auto& [name, tenant] : tenants_) tenant->models.clear();
  tenants_.clear();
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

void Manager::create_tenant(const TenantRecord& request) {
  require_valid_name(request.name, "tenant");
  if (tenants_.contains(request.name))
    throw DaemonError(error_name::kTenantExists, "tenant '" + request.name + "' exists");
  std::vector<std::pair<std::string, tuning::IdList>> taken;
  for (const auto& [name, tenant] : tenants_) taken.emplace_back(name, tenant->settings.cpus);
  ValidatedTenant settings =
      validate_tenant(request, HostCapacity{host_.cpus(), host_.nodes(), host_.memory_bytes()}, taken);
  tuning::TenantSpec spec;
  spec.name = settings.record.name;
  spec.parent = cgroup_parent_;
  spec.cpus = settings.cpus;
  spec.memory_nodes = settings.nodes;
  if (settings.record.memory_limit_bytes > 0) spec.memory_limit_bytes = settings.record.memory_limit_bytes;
  try {
    auto tenant = std::make_unique<Tenant>(Tenant{settings, tuning::TenantSlice::create(spec), {}});
    tenants_.emplace(spec.name, std::move(tenant));
  } catch (const tuning::TuningError& e) {
    throw DaemonError(error_name::kFailed, e.what());
  }
  log(LogLevel::info,
      "tenant " + spec.name + ": CPUs " + settings.record.cpus + ", nodes " + settings.record.mems);
  if (listener_) listener_->tenant_added(spec.name);
  save();
}

void Manager::remove_tenant(const std::string& name) {
  Tenant& removed = tenant(name);
  while (!removed.models.empty()) {
    const std::string model_name = removed.models.begin()->first;  // a copy: unloading erases the key
    unload_model(name, model_name);
  }
  tenants_.erase(name);
  log(LogLevel::info, "tenant " + name + " removed");
  if (listener_) listener_->tenant_removed(name);
  save();
}

std::uint64_t Manager::model_footprint(const std::string& path, unsigned context,
                                       std::uint64_t* weight_bytes) const {
  std::shared_ptr<const ck::Model> probe;
  try {
    probe = ck::Model::load(ck::map_model_file(path));
  } catch (const std::exception& e) {
    throw DaemonError(error_name::kBadModel, e.what());
  }
  const ck::ModelConfig& config = probe->config();
  std::uint64_t positions = context;
  if (positions == 0) {
    positions = config.n_ctx_train > 0 ? std::min<std::uint64_t>(config.n_ctx_train, kDefaultContext)
                                       : kDefaultContext;
  }
  const auto kv_bytes = 2 * kKvBytesPerValue * positions * static_cast<std::uint64_t>(config.n_layer) *
                        static_cast<std::uint64_t>(config.n_head_kv) *
                        static_cast<std::uint64_t>(config.head_dim);
  *weight_bytes = probe->weight_bytes();
  return *weight_bytes + kv_bytes;
}

std::string Manager::load_model(const std::string& tenant_name, const std::string& path,
                                const LoadOptions& options, LoadCallback on_loaded) {
  Tenant& owner = tenant(tenant_name);
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
  if (owner.models.contains(name)) {
    throw DaemonError(error_name::kModelExists,
                      "model '" + name + "' exists in tenant '" + tenant_name + "'");
  }
  const unsigned threads = options.threads.value_or(options_.default_threads > 0
                                                        ? options_.default_threads
                                                        : static_cast<unsigned>(owner.settings.cpus.size()));
  if (threads == 0) throw DaemonError(error_name::kInvalidArgument, "threads must be at least 1");
  const unsigned context = options.context.value_or(0);

  std::uint64_t weight_bytes = 0;
  std::uint64_t footprint = model_footprint(path, context, &weight_bytes);
  const std::uint64_t limit = owner.settings.record.memory_limit_bytes;
  std::uint64_t in_use = 0;
  for (const auto& [other, model] : owner.models) in_use += model->footprint_bytes();
  if (limit > 0 && in_use + footprint > limit) {
    throw DaemonError(error_name::kModelTooLarge,
                      "model '" + name + "' needs " + std::to_string(footprint) + " bytes (weights " +
                          std::to_string(weight_bytes) + " + KV cache) and the tenant's models " +
                          std::to_string(in_use) + " more, but tenant '" + tenant_name + "' is limited to " +
                          std::to_string(limit) + " bytes");
  }

  ModelEnvironment environment;
  environment.loop = loop_;
  environment.launch.executable = worker_path_;
  environment.launch.cpus = owner.settings.cpus;
  environment.launch.nodes = owner.settings.nodes;
  environment.launch.identity = worker_identity_;
  environment.launch.attach = [slice = &owner.slice](pid_t pid) { slice->attach(pid); };
  environment.on_change = [this, tenant_name, name] {
    if (listener_) listener_->model_changed(tenant_name, name);
  };
  environment.on_load_failed = [this, tenant_name, name](const DaemonError& error) {
    log(LogLevel::warning, "model " + tenant_name + "/" + name + " not loaded: " + error.what());
    defer([this, tenant_name, name] {
      const auto owner_entry = tenants_.find(tenant_name);
      if (owner_entry == tenants_.end()) return;
      const auto model_entry = owner_entry->second->models.find(name);
      if (model_entry == owner_entry->second->models.end() ||
          model_entry->second->state() != ModelState::failed)
        return;
      unload_model(tenant_name, name);
    });
  };
  const ModelRecord record{tenant_name, name, fs::absolute(path).string(), threads, context};
  owner.models.emplace(
      name, std::make_unique<LoadedModel>(record, footprint, std::move(environment), std::move(on_loaded)));
  if (listener_) listener_->model_added(tenant_name, name);
  save();
  const std::optional<int> node =
      owner.settings.nodes.size() == 1 ? std::optional(owner.settings.nodes.ids()[0]) : std::nullopt;
  place_weights(tenant_name, name, record.path, node);
  return name;
}

void Manager::place_weights(const std::string& tenant_name, const std::string& name, const std::string& path,
                            std::optional<int> node) {
  // The model may be unloaded (and even loaded again) while its weights are copied: the result goes to the
  // model object that asked, if it still exists.
  const LoadedModel* requester = &model(tenant_name, name);
  const auto still_there = [this, tenant_name, name, requester]() -> LoadedModel* {
    const auto owner = tenants_.find(tenant_name);
    if (owner == tenants_.end()) return nullptr;
    const auto entry = owner->second->models.find(name);
    return entry != owner->second->models.end() && entry->second.get() == requester ? entry->second.get()
                                                                                    : nullptr;
  };
  copier_.submit(
      path, node,
      [this, tenant_name, name, still_there](std::uint64_t done, std::uint64_t total) {
        if (listener_ && still_there()) listener_->load_progress(tenant_name, name, done, total);
      },
      [this, tenant_name, name, still_there](std::shared_ptr<const tuning::ResidentFile> weights,
                                             std::exception_ptr error) {
        LoadedModel* loaded = still_there();
        if (loaded == nullptr) return;
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            loaded->fail_load(DaemonError(error_name::kBadModel, e.what()));
          }
          return;
        }
        if (weights->in_hugepages() && worker_identity_ &&
            ::chown(weights->path().c_str(), worker_identity_->uid, worker_identity_->gid) != 0) {
          // The copy is made by root; the worker reads it as its own user.
          log(LogLevel::warning, "chown " + weights->path().string() + " failed; the worker may not read it");
        }
        log(LogLevel::info, "model " + tenant_name + "/" + name + ": " + weights->path().string() + ", " +
                                weights->placement());
        loaded->start(std::move(weights));
        if (listener_) listener_->model_changed(tenant_name, name);
      });
}

void Manager::unload_model(const std::string& tenant_name, const std::string& model_name) {
  model(tenant_name, model_name);  // throws when unknown
  Tenant& owner = tenant(tenant_name);
  owner.models.erase(model_name);
  log(LogLevel::info, "model " + tenant_name + "/" + model_name + " unloaded");
  if (listener_) listener_->model_removed(tenant_name, model_name);
  save();
}

void Manager::generate(const std::string& tenant_name, const std::string& model_name, GenerateRequest request,
                       GenerateCallbacks callbacks) {
  model(tenant_name, model_name).generate(std::move(request), std::move(callbacks));
}

void Manager::restore() {
  DaemonState state;
  try {
    state = load_state(state_file(options_));
  } catch (const std::exception& e) {
    log(LogLevel::error, std::string("state not restored: ") + e.what());
    return;
  }
  restoring_ = true;
  for (const TenantRecord& record : state.tenants) {
    try {
      create_tenant(record);
    } catch (const std::exception& e) {
      log(LogLevel::error, "tenant " + record.name + " not restored: " + e.what());
    }
  }
  for (const ModelRecord& record : state.models) {
    try {
      const LoadOptions options{record.name, record.threads, record.context};
      load_model(record.tenant, record.path, options, [name = record.name](const DaemonError* error) {
        if (error) log(LogLevel::error, "model " + name + " not restored: " + error->what());
      });
    } catch (const std::exception& e) {
      log(LogLevel::error, "model " + record.tenant + "/" + record.name + " not restored: " + e.what());
    }
  }
  restoring_ = false;
  save();
}

void Manager::save() const {
  if (restoring_) return;
  DaemonState state;
  for (const auto& [name, tenant] : tenants_) {
    state.tenants.push_back(tenant->settings.record);
    for (const auto& [model_name, model] : tenant->models) state.models.push_back(model->record());
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
      models.push_back(Json::Object{{"name", model_name},
                                    {"path", model->record().path},
                                    {"state", to_string(model->state())},
                                    {"worker_pid", static_cast<std::int64_t>(model->worker_pid())},
                                    {"threads", model->record().threads},
                                    {"restarts", model->restarts()},
                                    {"weight_bytes", model->weight_bytes()},
                                    {"placement", model->placement()}});
    }
    std::uint64_t usage = 0;
    try {
      usage = tenant->slice.usage().memory_bytes;
    } catch (const tuning::TuningError&) {
      // Without a memory controller there is nothing to report.
    }
    tenants.push_back(Json::Object{{"name", name},
                                   {"cpus", tenant->settings.record.cpus},
                                   {"mems", tenant->settings.record.mems},
                                   {"memory_limit", tenant->settings.record.memory_limit_bytes},
                                   {"memory_usage", usage},
                                   {"cgroup", tenant->slice.group()},
                                   {"models", std::move(models)}});
  }
  return Json::Object{
      {"version", CKERNEL_VERSION}, {"host", host_.status()}, {"tenants", std::move(tenants)}};
}

std::string Manager::summary() const {
  std::size_t models = 0, ready = 0;
  for (const auto& [name, tenant] : tenants_) {
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
  if (sd_event_add_defer(loop_, &source, on_deferred, this) >= 0) deferred_source_.reset(source);
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

}  // namespace ckernel::daemon
