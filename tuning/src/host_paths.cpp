#include "ckernel/tuning/host_paths.h"

#include <utility>

namespace ck::tuning {
namespace {

HostPaths& current_host_paths() noexcept {
  static HostPaths paths;
  return paths;
}

}  // namespace

const HostPaths& host_paths() noexcept { return current_host_paths(); }

ScopedHostPaths::ScopedHostPaths(HostPaths paths)
    : previous_(std::exchange(current_host_paths(), std::move(paths))) {}

ScopedHostPaths::~ScopedHostPaths() { current_host_paths() = std::move(previous_); }

}  // namespace ck::tuning
