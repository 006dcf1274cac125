#include "state_file.h"

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "ckernel/json/json.h"
#include "ckernel/tuning/atomic_file.h"
#include "errors.h"
#include "names.h"

namespace ck::daemon {

using ck::Json;
using ck::JsonError;

namespace fs = std::filesystem;

namespace {

// A model's 32-bit member: a cast alone would wrap 4294967297 threads to 1, or an owner uid of 2^32 to
// root's 0.
unsigned unsigned_32(const Json& model, const char* key) {
  const std::uint64_t value = model.at(key).unsigned_integer();
  if (value > std::numeric_limits<unsigned>::max())
    throw JsonError(std::string(key) + ": " + std::to_string(value) + " is beyond " +
                    std::to_string(std::numeric_limits<unsigned>::max()));
  return static_cast<unsigned>(value);
}

// A value ckd could have written, by the checks of the D-Bus calls (names.h), as a JsonError. A state file
// is ckd's own, but one edited by hand or damaged must not reach the cgroup tree (a tenant named ".." is
// the parent's parent there) or resolve a relative model path against ckd's working directory.
template <class Check>
std::string checked_string(const Json& record, const char* key, Check check) {
  std::string value = record.at(key).string();
  try {
    check(value);
  } catch (const DaemonError& e) {
    throw JsonError(e.what());
  }
  return value;
}

std::string valid_name(const Json& record, const char* key, std::string_view what) {
  return checked_string(record, key, [what](const std::string& name) { require_valid_name(name, what); });
}

}  // namespace

std::string serialize_state(const DaemonState& state) {
  Json::Array tenants;
  for (const TenantRecord& tenant : state.tenants) {
    tenants.push_back(Json::Object{{"name", tenant.name},
                                   {"cpus", tenant.cpus},
                                   {"mems", tenant.mems},
                                   {"memory_limit", tenant.memory_limit_bytes}});
  }
  Json::Array models;
  for (const ModelRecord& model : state.models) {
    models.push_back(Json::Object{{"tenant", model.tenant},
                                  {"name", model.name},
                                  {"path", model.path},
                                  {"threads", model.threads},
                                  {"context", model.context},
                                  {"owner_uid", model.owner_uid}});
  }
  return Json(Json::Object{{"version", 1}, {"tenants", tenants}, {"models", models}}).dump() + "\n";
}

DaemonState parse_state(std::string_view text) {
  const Json document = Json::parse(text);
  if (document.at("version").integer() != 1) throw JsonError("unsupported state version");
  DaemonState state;
  for (const Json& tenant : document.at("tenants").array()) {
    state.tenants.push_back(TenantRecord{valid_name(tenant, "name", "tenant"), tenant.at("cpus").string(),
                                         tenant.at("mems").string(),
                                         tenant.at("memory_limit").unsigned_integer()});
  }
  for (const Json& model : document.at("models").array()) {
    const bool has_owner = model.object().contains("owner_uid");
    const std::string path = checked_string(model, "path", require_absolute_model_path);
    state.models.push_back(ModelRecord{valid_name(model, "tenant", "tenant"),
                                       valid_name(model, "name", "model"), path,
                                       unsigned_32(model, "threads"), unsigned_32(model, "context"),
                                       has_owner ? unsigned_32(model, "owner_uid") : 0u});
  }
  return state;
}

void save_state(const fs::path& file, const DaemonState& state) {
  tuning::write_file_atomically(file, serialize_state(state));
}

DaemonState load_state(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    if (!fs::exists(file)) return {};
    throw JsonError(file.string() + ": cannot be read");
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_state(text.str());
  } catch (const JsonError& e) {
    throw JsonError(file.string() + ": " + e.what());
  }
}

}  // namespace ck::daemon
