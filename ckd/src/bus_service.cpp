#include "bus_service.h"

#include <grp.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <map>
#include <sstream>
#include <system_error>
#include <variant>

#include "ckernel/api/sampling_limits.h"
#include "errors.h"
#include "log.h"
#include "names.h"
#include "utf8_text.h"

namespace ck::daemon {
namespace {

constexpr const char* kManagerInterface = "org.ckernel.Manager1";
constexpr const char* kTenantInterface = "org.ckernel.Tenant1";
constexpr const char* kModelInterface = "org.ckernel.Model1";

using SharedMessage = std::shared_ptr<sd_bus_message>;
SharedMessage share(sd_bus_message* message) {
  return SharedMessage(sd_bus_message_ref(message), [](sd_bus_message* m) { sd_bus_message_unref(m); });
}

void check(int result, const char* what) {
  if (result < 0) throw std::system_error(-result, std::generic_category(), what);
}

BusService& service(void* userdata) { return *static_cast<BusService*>(userdata); }

// Replies with the DaemonError's name, or org.ckernel.Error.Failed for anything unexpected, so that no
// exception ever leaves a handler and ckd keeps serving.
template <class Handler>
int guarded(sd_bus_message* message, Handler&& handler) {
  try {
    return handler();
  } catch (const DaemonError& e) {
    return sd_bus_reply_method_errorf(message, e.name(), "%s", e.what());
  } catch (const std::exception& e) {
    log(LogLevel::warning, std::string("request failed: ") + e.what());
    return sd_bus_reply_method_errorf(message, error_name::kFailed, "%s", e.what());
  }
}

// Who sent a call, read once from the bus: its unique name, and the user and groups with which ckd
// decides what it may change and opens the files it names.
struct Sender {
  std::string unique_name;  // empty on a direct connection without a bus
  Caller rights;
};

Sender sender_of(sd_bus_message* message) {
  Sender sender;
  if (const char* name = sd_bus_message_get_sender(message)) sender.unique_name = name;
  sd_bus_creds* creds = nullptr;
  const int r = sd_bus_query_sender_creds(
      message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID | SD_BUS_CREDS_SUPPLEMENTARY_GIDS | SD_BUS_CREDS_AUGMENT,
      &creds);
  const std::unique_ptr<sd_bus_creds, decltype(&sd_bus_creds_unref)> owned(creds, &sd_bus_creds_unref);
  if (r < 0 || sd_bus_creds_get_euid(creds, &sender.rights.uid) < 0 ||
      sd_bus_creds_get_egid(creds, &sender.rights.gid) < 0) {
    throw DaemonError(error_name::kPermissionDenied,
                      "cannot tell who is calling; only root and group ckernel may change ckd");
  }
  const gid_t* groups = nullptr;
  const int count = sd_bus_creds_get_supplementary_gids(creds, &groups);
  if (count > 0) sender.rights.groups.assign(groups, groups + count);
  return sender;
}

GenerateCalls::Caller caller_of(sd_bus_message* message) {
  Sender sender = sender_of(message);
  return GenerateCalls::Caller{std::move(sender.unique_name), sender.rights.uid};
}

void require_authorized(sd_bus_message* message) {
  const Caller caller = sender_of(message).rights;
  if (caller.uid == 0) return;
  if (const group* ckernel = ::getgrnam("ckernel")) {
    if (caller.gid == ckernel->gr_gid) return;
    for (const gid_t member_of : caller.groups) {
      if (member_of == ckernel->gr_gid) return;
    }
  }
  throw DaemonError(error_name::kPermissionDenied, "uid " + std::to_string(caller.uid) +
                                                       " may not change ckd: only root and members of group "
                                                       "ckernel may");
}

// One a{sv} option value, of the D-Bus types the API uses.
using OptionValue = std::variant<std::string, std::uint32_t, std::int32_t, std::uint64_t, double>;

// Reads an a{sv} whose keys must be among `allowed` (key -> D-Bus type character).
std::map<std::string, OptionValue> read_options(sd_bus_message* message,
                                                const std::map<std::string, char>& allowed) {
  std::map<std::string, OptionValue> options;
  check(sd_bus_message_enter_container(message, 'a', "{sv}"), "reading options");
  while (sd_bus_message_enter_container(message, 'e', "sv") > 0) {
    const char* key = nullptr;
    check(sd_bus_message_read(message, "s", &key), "reading an option key");
    const auto expected = allowed.find(key);
    if (expected == allowed.end()) {
      std::string known;
      for (const auto& [name, type] : allowed) known += (known.empty() ? "" : ", ") + name;
      throw DaemonError(error_name::kInvalidArgument, std::string("unknown option '") + key + "' (known: " +
                                                          (known.empty() ? "none" : known) + ")");
    }
    const char* contents = nullptr;
    check(sd_bus_message_peek_type(message, nullptr, &contents), "reading an option value");
    const char type = expected->second;
    if (contents == nullptr || std::strlen(contents) != 1 || contents[0] != type) {
      throw DaemonError(error_name::kInvalidArgument, std::string("option '") + key +
                                                          "' must have D-Bus type '" + type + "', not '" +
                                                          (contents ? contents : "?") + "'");
    }
    const char signature[2] = {type, 0};
    check(sd_bus_message_enter_container(message, 'v', signature), "reading an option value");
    OptionValue value;
    switch (type) {
      case 's': {
        const char* text = nullptr;
        check(sd_bus_message_read_basic(message, 's', &text), "reading an option");
        value = std::string(text);
        break;
      }
      case 'u': {
        std::uint32_t number = 0;
        check(sd_bus_message_read_basic(message, 'u', &number), "reading an option");
        value = number;
        break;
      }
      case 'i': {
        std::int32_t number = 0;
        check(sd_bus_message_read_basic(message, 'i', &number), "reading an option");
        value = number;
        break;
      }
      case 't': {
        std::uint64_t number = 0;
        check(sd_bus_message_read_basic(message, 't', &number), "reading an option");
        value = number;
        break;
      }
      case 'd': {
        double number = 0;
        check(sd_bus_message_read_basic(message, 'd', &number), "reading an option");
        value = number;
        break;
      }
    }
    check(sd_bus_message_exit_container(message), "reading options");
    check(sd_bus_message_exit_container(message), "reading options");
    options.emplace(key, std::move(value));
  }
  check(sd_bus_message_exit_container(message), "reading options");
  return options;
}

template <class T>
std::optional<T> option(const std::map<std::string, OptionValue>& options, const std::string& key) {
  const auto found = options.find(key);
  if (found == options.end()) return std::nullopt;
  return std::get<T>(found->second);
}

// A sampling value outside the API's range (sampling_limits.h) would reach the engine as NaN or a
// negative probability; refused naming the option and the range.
template <class T>
T require_in_range(const ck::api::OptionRange<T>& range, T value) {
  if (range.contains(value)) return value;
  std::ostringstream message;
  message << "option '" << range.option << "' must be a " << (std::floating_point<T> ? "finite " : "")
          << "number from " << range.min << " to " << range.max << ", not " << value;
  throw DaemonError(error_name::kInvalidArgument, message.str());
}

int create_tenant(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char *name = nullptr, *cpus = nullptr, *mems = nullptr;
    std::uint64_t memory = 0;
    check(sd_bus_message_read(m, "ssst", &name, &cpus, &mems, &memory), "reading CreateTenant");
    read_options(m, {});
    service(userdata).manager().create_tenant(TenantRecord{name, cpus, mems, memory});
    return sd_bus_reply_method_return(m, "o", tenant_path(name).c_str());
  });
}

int remove_tenant(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char* name = nullptr;
    check(sd_bus_message_read(m, "s", &name), "reading RemoveTenant");
    service(userdata).manager().remove_tenant(name);
    return sd_bus_reply_method_return(m, "");
  });
}

int load_model(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char *tenant = nullptr, *path = nullptr;
    check(sd_bus_message_read(m, "ss", &tenant, &path), "reading LoadModel");
    const auto options = read_options(m, {{"name", 's'}, {"threads", 'u'}, {"context", 'u'}});
    const LoadOptions load{option<std::string>(options, "name"), option<std::uint32_t>(options, "threads"),
                           option<std::uint32_t>(options, "context"), sender_of(m).rights};
    // The reply waits for the worker; the call's message is kept until then. The load always completes
    // later, on the loop, so the object path is known by then.
    auto reply_to = share(m);
    auto object = std::make_shared<std::string>();
    const std::string tenant_name = tenant;
    *object = model_path(
        tenant_name, service(userdata).manager().load_model(
                         tenant, path, load, [reply_to, object](const DaemonError* error) {
                           if (error) {
                             sd_bus_reply_method_errorf(reply_to.get(), error->name(), "%s", error->what());
                           } else {
                             sd_bus_reply_method_return(reply_to.get(), "o", object->c_str());
                           }
                         }));
    return 1;
  });
}

int unload_model(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char *tenant = nullptr, *model = nullptr;
    check(sd_bus_message_read(m, "ss", &tenant, &model), "reading UnloadModel");
    service(userdata).manager().unload_model(tenant, model);
    return sd_bus_reply_method_return(m, "");
  });
}

void reply_generated(sd_bus_message* call, const GenerateDone& done) {
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(call, &reply);
  const BusMessage owned(reply);
  if (r >= 0) {
    r = sd_bus_message_append(reply, "sa{sv}", valid_utf8(done.text).c_str(), 5, "prompt_tokens", "u",
                              done.prompt_tokens, "generated_tokens", "u", done.generated_tokens,
                              "prompt_seconds", "d", done.prompt_seconds, "generate_seconds", "d",
                              done.generate_seconds, "stop", "s", done.stop.c_str());
  }
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  if (r < 0) sd_bus_reply_method_errnof(call, -r, "cannot send the generated text: %m");
}

int generate(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char *tenant = nullptr, *model = nullptr, *prompt = nullptr;
    check(sd_bus_message_read(m, "sss", &tenant, &model, &prompt), "reading Generate");
    const auto options = read_options(m, {{"max_tokens", 'u'},
                                          {"temperature", 'd'},
                                          {"seed", 't'},
                                          {"top_k", 'i'},
                                          {"top_p", 'd'},
                                          {"request", 's'}});
    GenerateRequest request;
    request.prompt = prompt;
    if (request.prompt.size() > GenerateRequest::kMaxPromptBytes)
      throw DaemonError(error_name::kInvalidArgument,
                        "the prompt has " + std::to_string(request.prompt.size()) + " bytes, more than the " +
                            std::to_string(GenerateRequest::kMaxPromptBytes) + " a request may carry");
    request.max_tokens = require_in_range(
        ck::api::kMaxTokensRange, option<std::uint32_t>(options, "max_tokens").value_or(request.max_tokens));
    request.temperature = require_in_range(
        ck::api::kTemperatureRange, option<double>(options, "temperature").value_or(request.temperature));
    request.seed = option<std::uint64_t>(options, "seed").value_or(request.seed);
    request.top_k =
        require_in_range(ck::api::kTopKRange, option<std::int32_t>(options, "top_k").value_or(request.top_k));
    request.top_p =
        require_in_range(ck::api::kTopPRange, option<double>(options, "top_p").value_or(request.top_p));
    const std::string request_id = option<std::string>(options, "request").value_or("");
    const GenerateCalls::Caller caller_identity = caller_of(m);
    const std::string caller = caller_identity.unique_name;
    LoadedModel& loaded = service(userdata).manager().model(tenant, model);
    auto reply_to = share(m);
    sd_bus* bus = service(userdata).bus();
    // Known from now until the reply, so that Cancel and the caller's disconnection can stop it.
    const std::shared_ptr<GenerateCalls>& calls = service(userdata).generate_calls();
    const GenerateCalls::CallId call_id = calls->add(request_id, caller_identity, tenant, model);
    const auto call_ended = [weak_calls = std::weak_ptr(calls), call_id] {
      if (const auto live = weak_calls.lock()) live->ended(call_id);
    };
    GenerateCallbacks callbacks;
    // Pieces go out whole characters at a time; what a token leaves unfinished waits for the next one.
    auto characters = std::make_shared<Utf8Assembler>();
    const auto send_piece = [bus, caller, request_id](const std::string& piece) {
      if (piece.empty()) return;
      sd_bus_message* signal = nullptr;
      if (sd_bus_message_new_signal(bus, &signal, kManagerPath, kManagerInterface, "Piece") < 0) return;
      const BusMessage owned(signal);
      // Unicast: only the caller sees its pieces.
      if (!caller.empty()) sd_bus_message_set_destination(signal, caller.c_str());
      if (sd_bus_message_append(signal, "ss", request_id.c_str(), piece.c_str()) >= 0)
        sd_bus_send(bus, signal, nullptr);
    };
    callbacks.on_piece = [send_piece, characters](const std::string& piece) {
      send_piece(characters->push(piece));
    };
    callbacks.on_done = [reply_to, send_piece, characters, call_ended](const GenerateDone& done) {
      call_ended();
      send_piece(characters->finish());
      reply_generated(reply_to.get(), done);
    };
    callbacks.on_error = [reply_to, call_ended](const DaemonError& error) {
      call_ended();
      sd_bus_reply_method_errorf(reply_to.get(), error.name(), "%s", error.what());
    };
    calls->queued(call_id, loaded.generate(std::move(request), std::move(callbacks)));
    return 1;
  });
}

int cancel(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    require_authorized(m);
    const char* request = nullptr;
    check(sd_bus_message_read(m, "s", &request), "reading Cancel");
    service(userdata).generate_calls()->cancel(request, caller_of(m));
    return sd_bus_reply_method_return(m, "");
  });
}

int get_status(sd_bus_message* m, void* userdata, sd_bus_error*) {
  return guarded(m, [&] {
    const std::string document = service(userdata).manager().status().dump();
    return sd_bus_reply_method_return(m, "s", document.c_str());
  });
}

int append_paths(sd_bus_message* reply, const std::vector<std::string>& paths) {
  int r = sd_bus_message_open_container(reply, 'a', "o");
  for (const std::string& path : paths) {
    if (r >= 0) r = sd_bus_message_append(reply, "o", path.c_str());
  }
  return r < 0 ? r : sd_bus_message_close_container(reply);
}

// A property the vtable lists but its getter does not know: a programming error, reported as such
// rather than answered with another property's value.
int unknown_property(sd_bus_error* error, const std::string& name) {
  return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no getter for property %s", name.c_str());
}

// Property getters: one function per interface, which compares the property's name (every vtable
// offset is 0).
int manager_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                     void* userdata, sd_bus_error* error) {
  BusService& self = service(userdata);
  const std::string name = property;
  if (name == "Version") return sd_bus_message_append(reply, "s", CKERNEL_VERSION);
  if (name == "CopyEngine") return sd_bus_message_append(reply, "s", self.host().copy_engine_kind().c_str());
  if (name == "HugepagesReserved")
    return sd_bus_message_append(reply, "t", self.host().hugepages_reserved_bytes());
  if (name == "KernelTuning")
    return sd_bus_message_append(reply, "s", describe(self.host().kernel_wisdom()).c_str());
  if (name != "Tenants") return unknown_property(error, name);
  std::vector<std::string> paths;
  for (const auto& [tenant, entry] : self.manager().tenants()) paths.push_back(tenant_path(tenant));
  return append_paths(reply, paths);
}

// The tenant (and model) named by an object path under the tenant prefix, if they exist.
struct ObjectNames {
  std::string tenant;
  std::string model;  // empty for a tenant object
};

std::optional<ObjectNames> decode_object_path(const char* path) {
  std::string rest = path;
  const std::string prefix = std::string(kTenantPathPrefix) + "/";
  if (!rest.starts_with(prefix)) return std::nullopt;
  rest = rest.substr(prefix.size());
  auto decode = [](const std::string& segment) -> std::optional<std::string> {
    char* decoded = nullptr;
    if (sd_bus_path_decode(("/x/" + segment).c_str(), "/x", &decoded) <= 0) return std::nullopt;
    std::string name = decoded;
    std::free(decoded);
    return name;
  };
  const auto slash = rest.find('/');
  const auto tenant = decode(rest.substr(0, slash));
  if (!tenant) return std::nullopt;
  if (slash == std::string::npos) return ObjectNames{*tenant, ""};
  const std::string model_prefix = "model/";
  std::string model_part = rest.substr(slash + 1);
  if (!model_part.starts_with(model_prefix) || model_part.find('/', model_prefix.size()) != std::string::npos)
    return std::nullopt;
  const auto model = decode(model_part.substr(model_prefix.size()));
  if (!model) return std::nullopt;
  return ObjectNames{*tenant, *model};
}

int find_tenant(sd_bus*, const char* path, const char*, void* userdata, void** found, sd_bus_error*) {
  const auto names = decode_object_path(path);
  if (!names || !names->model.empty()) return 0;
  const auto& tenants = service(userdata).manager().tenants();
  const auto entry = tenants.find(names->tenant);
  if (entry == tenants.end()) return 0;
  *found = entry->second.get();
  return 1;
}

int find_model(sd_bus*, const char* path, const char*, void* userdata, void** found, sd_bus_error*) {
  const auto names = decode_object_path(path);
  if (!names || names->model.empty()) return 0;
  const auto& tenants = service(userdata).manager().tenants();
  const auto entry = tenants.find(names->tenant);
  if (entry == tenants.end()) return 0;
  const auto model = entry->second->models.find(names->model);
  if (model == entry->second->models.end()) return 0;
  *found = model->second.get();
  return 1;
}

int tenant_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                    void* userdata, sd_bus_error* error) {
  const Tenant& tenant = *static_cast<const Tenant*>(userdata);
  const std::string name = property;
  const TenantRecord& record = tenant.record;
  if (name == "Name") return sd_bus_message_append(reply, "s", record.name.c_str());
  if (name == "Cpus") return sd_bus_message_append(reply, "s", record.cpus.c_str());
  if (name == "Mems") return sd_bus_message_append(reply, "s", record.mems.c_str());
  if (name == "MemoryLimit") return sd_bus_message_append(reply, "t", record.memory_limit_bytes);
  if (name == "State") return sd_bus_message_append(reply, "s", tenant.active() ? "active" : "failed");
  if (name == "Error") return sd_bus_message_append(reply, "s", tenant.error.c_str());
  if (name == "MemoryUsage") {
    std::uint64_t usage = 0;
    try {
      if (tenant.slice) usage = tenant.slice->usage().memory_bytes;
    } catch (const std::exception&) {
      // No memory controller: nothing to report.
    }
    return sd_bus_message_append(reply, "t", usage);
  }
  if (name != "Models") return unknown_property(error, name);
  std::vector<std::string> paths;
  for (const auto& [model, entry] : tenant.models) paths.push_back(model_path(record.name, model));
  return append_paths(reply, paths);
}

int model_property(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                   void* userdata, sd_bus_error* error) {
  const LoadedModel& model = *static_cast<const LoadedModel*>(userdata);
  const std::string name = property;
  const ModelRecord& record = model.record();
  if (name == "Name") return sd_bus_message_append(reply, "s", record.name.c_str());
  if (name == "Tenant") return sd_bus_message_append(reply, "s", record.tenant.c_str());
  if (name == "Path") return sd_bus_message_append(reply, "s", record.path.c_str());
  if (name == "Threads") return sd_bus_message_append(reply, "u", record.threads);
  if (name == "State") return sd_bus_message_append(reply, "s", to_string(model.state()));
  if (name == "WorkerPid")
    return sd_bus_message_append(reply, "u", static_cast<std::uint32_t>(model.worker_pid()));
  if (name == "Restarts") return sd_bus_message_append(reply, "u", model.restarts());
  if (name == "WeightBytes") return sd_bus_message_append(reply, "t", model.weight_bytes());
  if (name == "Error") return sd_bus_message_append(reply, "s", model.error().c_str());
  if (name == "Placement") return sd_bus_message_append(reply, "s", model.placement().c_str());
  return unknown_property(error, name);
}

int enumerate_objects(sd_bus*, const char*, void* userdata, char*** nodes, sd_bus_error*) {
  std::vector<std::string> paths;
  for (const auto& [tenant, entry] : service(userdata).manager().tenants()) {
    paths.push_back(tenant_path(tenant));
    for (const auto& [model, loaded] : entry->models) paths.push_back(model_path(tenant, model));
  }
  char** list = static_cast<char**>(std::calloc(paths.size() + 1, sizeof(char*)));
  if (list == nullptr) return -ENOMEM;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    list[i] = ::strdup(paths[i].c_str());
    if (list[i] == nullptr) {
      // sd-bus takes the list only on success: free what was made.
      for (std::size_t made = 0; made < i; ++made) std::free(list[made]);
      std::free(list);
      return -ENOMEM;
    }
  }
  *nodes = list;
  return 0;
}

const sd_bus_vtable kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("CreateTenant", "sssta{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(cpus) SD_BUS_PARAM(mems)
                                 SD_BUS_PARAM(memory_bytes) SD_BUS_PARAM(options),
                             "o", SD_BUS_PARAM(tenant), create_tenant, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RemoveTenant", "s", SD_BUS_PARAM(name), "", , remove_tenant,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("LoadModel", "ssa{sv}",
                             SD_BUS_PARAM(tenant) SD_BUS_PARAM(path) SD_BUS_PARAM(options), "o",
                             SD_BUS_PARAM(model), load_model, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("UnloadModel", "ss", SD_BUS_PARAM(tenant) SD_BUS_PARAM(model), "", ,
                             unload_model, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "Generate", "sssa{sv}",
        SD_BUS_PARAM(tenant) SD_BUS_PARAM(model) SD_BUS_PARAM(prompt) SD_BUS_PARAM(options), "sa{sv}",
        SD_BUS_PARAM(text) SD_BUS_PARAM(stats), generate, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Cancel", "s", SD_BUS_PARAM(request), "", , cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetStatus", "", , "s", SD_BUS_PARAM(json), get_status,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("Piece", "ss", SD_BUS_PARAM(request) SD_BUS_PARAM(piece), 0),
    SD_BUS_SIGNAL_WITH_NAMES(
        "LoadProgress", "sstt",
        SD_BUS_PARAM(tenant) SD_BUS_PARAM(model) SD_BUS_PARAM(done_bytes) SD_BUS_PARAM(total_bytes), 0),
    SD_BUS_PROPERTY("Version", "s", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Tenants", "ao", manager_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("CopyEngine", "s", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("HugepagesReserved", "t", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("KernelTuning", "s", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable kTenantVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Cpus", "s", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Mems", "s", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("MemoryLimit", "t", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    // "active", or "failed" (restored from the state file but its group cannot be made) with Error.
    SD_BUS_PROPERTY("State", "s", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Error", "s", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // Read from the cgroup on every get: it changes all the time, so no signal is sent for it.
    SD_BUS_PROPERTY("MemoryUsage", "t", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
    SD_BUS_PROPERTY("Models", "ao", tenant_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable kModelVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Tenant", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Path", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Threads", "u", model_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("State", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("WorkerPid", "u", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Restarts", "u", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("WeightBytes", "t", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Placement", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // Why the model is `failed` (empty otherwise).
    SD_BUS_PROPERTY("Error", "s", model_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_VTABLE_END,
};

}  // namespace

BusService::BusService(sd_bus* bus, Manager& manager, Host& host)
    : bus_(bus),
      manager_(manager),
      host_(host),
      generate_calls_(std::make_shared<GenerateCalls>(bus, manager)) {
  sd_bus_slot* slot = nullptr;
  check(sd_bus_add_object_vtable(bus, &slot, kManagerPath, kManagerInterface, kManagerVtable, this),
        "registering org.ckernel.Manager1");
  manager_slot_.reset(slot);
  check(sd_bus_add_fallback_vtable(bus, &slot, kTenantPathPrefix, kTenantInterface, kTenantVtable,
                                   find_tenant, this),
        "registering org.ckernel.Tenant1");
  tenant_slot_.reset(slot);
  check(sd_bus_add_fallback_vtable(bus, &slot, kTenantPathPrefix, kModelInterface, kModelVtable, find_model,
                                   this),
        "registering org.ckernel.Model1");
  model_slot_.reset(slot);
  check(sd_bus_add_node_enumerator(bus, &slot, kManagerPath, enumerate_objects, this),
        "registering the enumerator");
  enumerator_slot_.reset(slot);
  check(sd_bus_add_object_manager(bus, &slot, kManagerPath), "registering the object manager");
  object_manager_slot_.reset(slot);
  check(sd_bus_request_name(bus, kManagerInterface, 0), "taking the bus name org.ckernel.Manager1");
}

BusService::~BusService() { sd_bus_release_name(bus_, kManagerInterface); }

void BusService::announce_status() const { sd_notifyf(0, "STATUS=%s", manager_.summary().c_str()); }

void BusService::tenant_added(const std::string& tenant) {
  sd_bus_emit_interfaces_added(bus_, tenant_path(tenant).c_str(), kTenantInterface, nullptr);
  sd_bus_emit_properties_changed(bus_, kManagerPath, kManagerInterface, "Tenants", nullptr);
  announce_status();
}

void BusService::tenant_removed(const std::string& tenant) {
  sd_bus_emit_interfaces_removed(bus_, tenant_path(tenant).c_str(), kTenantInterface, nullptr);
  sd_bus_emit_properties_changed(bus_, kManagerPath, kManagerInterface, "Tenants", nullptr);
  announce_status();
}

void BusService::tenant_changed(const std::string& tenant) {
  sd_bus_emit_properties_changed(bus_, tenant_path(tenant).c_str(), kTenantInterface, "State", "Error",
                                 nullptr);
  announce_status();
}

void BusService::model_added(const std::string& tenant, const std::string& model) {
  sd_bus_emit_interfaces_added(bus_, model_path(tenant, model).c_str(), kModelInterface, nullptr);
  sd_bus_emit_properties_changed(bus_, tenant_path(tenant).c_str(), kTenantInterface, "Models", nullptr);
  announce_status();
}

void BusService::model_removed(const std::string& tenant, const std::string& model) {
  sd_bus_emit_interfaces_removed(bus_, model_path(tenant, model).c_str(), kModelInterface, nullptr);
  if (manager_.tenants().contains(tenant)) {
    sd_bus_emit_properties_changed(bus_, tenant_path(tenant).c_str(), kTenantInterface, "Models", nullptr);
  }
  announce_status();
}

void BusService::model_changed(const std::string& tenant, const std::string& model) {
  sd_bus_emit_properties_changed(bus_, model_path(tenant, model).c_str(), kModelInterface, "State",
                                 "WorkerPid", "Restarts", "WeightBytes", "Placement", "Error", nullptr);
  announce_status();
}

void BusService::load_progress(const std::string& tenant, const std::string& model, std::uint64_t done,
                               std::uint64_t total) {
  sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "LoadProgress", "sstt", tenant.c_str(),
                     model.c_str(), done, total);
}

}  // namespace ck::daemon
