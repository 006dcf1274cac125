#include "state_file.h"

#include <fstream>
#include <sstream>

#include "ckernel/json/json.h"
#include "ckernel/tuning/atomic_file.h"

namespace ck::daemon {

using ck::Json;
using ck::JsonError;

namespace fs = std::filesystem;

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
    state.tenants.push_back(TenantRecord{tenant.at("name").string(), tenant.at("cpus").string(),
                                         tenant.at("mems").string(),
                                         tenant.at("memory_limit").unsigned_integer()});
  }
  for (const Json& model : document.at("models").array()) {
    const bool has_owner = model.object().contains("owner_uid");
    state.models.push_back(
        ModelRecord{model.at("tenant").string(), model.at("name").string(), model.at("path").string(),
                    static_cast<unsigned>(model.at("threads").unsigned_integer()),
                    static_cast<unsigned>(model.at("context").unsigned_integer()),
                    has_owner ? static_cast<unsigned>(model.at("owner_uid").unsigned_integer()) : 0u});
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
