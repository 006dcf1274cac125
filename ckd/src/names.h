// Tenant and model names, and the D-Bus object paths made from them.
#pragma once

#include <string>
#include <string_view>

namespace ck::daemon {

// Throws DaemonError(InvalidArgument) unless name is 1-64 characters of [A-Za-z0-9_.-] starting with a
// letter or digit. `what` is "tenant" or "model", for the message. A tenant name becomes a cgroup
// directory beside the cgroup interface files, so it must also not be one of their names ("tasks",
// "cgroup.procs", "memory.max", ...).
void require_valid_name(std::string_view name, std::string_view what);

// Throws DaemonError(InvalidArgument) unless a model's path is absolute: ckd's working directory means
// nothing to a client (ckctl sends absolute paths), and a restore must not resolve one against it.
void require_absolute_model_path(const std::string& path);

inline constexpr const char* kManagerPath = "/org/ckernel/Manager1";
inline constexpr const char* kTenantPathPrefix = "/org/ckernel/Manager1/tenant";

std::string tenant_path(const std::string& tenant);
std::string model_path(const std::string& tenant, const std::string& model);

}  // namespace ck::daemon
