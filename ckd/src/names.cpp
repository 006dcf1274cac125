#include "names.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "errors.h"

namespace ck::daemon {
namespace {

bool is_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// The interface files a cgroup directory holds in v1 and v2: a controller's files start with its name and
// a dot, and v1 adds a few without a prefix. A tenant of such a name would collide with one of them.
bool names_a_cgroup_file(std::string_view name) {
  static constexpr std::string_view kControllerPrefixes[] = {
      "cgroup.",  "cpuset.", "cpu.",  "cpuacct.", "memory.",  "io.",      "blkio.",    "pids.",
      "hugetlb.", "rdma.",   "misc.", "freezer.", "devices.", "net_cls.", "net_prio.", "perf_event."};
  static constexpr std::string_view kPlainFiles[] = {"tasks", "notify_on_release", "release_agent"};
  for (const std::string_view prefix : kControllerPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return std::find(std::begin(kPlainFiles), std::end(kPlainFiles), name) != std::end(kPlainFiles);
}

std::string encoded_child(const std::string& prefix, const std::string& name) {
  char* path = nullptr;
  if (sd_bus_path_encode(prefix.c_str(), name.c_str(), &path) < 0) throw std::bad_alloc();
  const std::unique_ptr<char, decltype(&std::free)> owned(path, &std::free);
  return path;
}

}  // namespace

void require_valid_name(std::string_view name, std::string_view what) {
  const bool valid = !name.empty() && name.size() <= 64 &&
                     std::isalnum(static_cast<unsigned char>(name[0])) &&
                     std::all_of(name.begin(), name.end(), is_name_character);
  if (!valid) {
    throw DaemonError(error_name::kInvalidArgument,
                      std::string(what) + " name '" + std::string(name) +
                          "' is not 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit");
  }
  if (what == "tenant" && names_a_cgroup_file(name)) {
    throw DaemonError(error_name::kInvalidArgument,
                      "tenant name '" + std::string(name) +
                          "' is the name of a cgroup interface file (names starting with a controller and a "
                          "dot, such as memory. or cgroup., and tasks, notify_on_release, release_agent)");
  }
}

void require_absolute_model_path(const std::string& path) {
  if (!std::filesystem::path(path).is_absolute())
    throw DaemonError(error_name::kInvalidArgument,
                      "the model path '" + path + "' is relative; give an absolute path");
}

std::string tenant_path(const std::string& tenant) { return encoded_child(kTenantPathPrefix, tenant); }

std::string model_path(const std::string& tenant, const std::string& model) {
  return encoded_child(tenant_path(tenant) + "/model", model);
}

}  // namespace ck::daemon
