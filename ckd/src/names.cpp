#include "names.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "errors.h"

namespace ckernel::daemon {
namespace {

bool is_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
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
}

std::string tenant_path(const std::string& tenant) { return encoded_child(kTenantPathPrefix, tenant); }

std::string model_path(const std::string& tenant, const std::string& model) {
  return encoded_child(tenant_path(tenant) + "/model", model);
}

}  // namespace ckernel::daemon
