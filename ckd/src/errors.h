// The named errors of the D-Bus API (docs/dbus-api.md). Everything ckd refuses is a DaemonError carrying
// one of these names and a message that says what to change; the bus layer turns it into the reply.
#pragma once

#include <stdexcept>
#include <string>

namespace ck::daemon {

namespace error_name {
inline constexpr const char* kPermissionDenied = "org.ckernel.Error.PermissionDenied";
inline constexpr const char* kInvalidArgument = "org.ckernel.Error.InvalidArgument";
inline constexpr const char* kUnknownTenant = "org.ckernel.Error.UnknownTenant";
inline constexpr const char* kUnknownModel = "org.ckernel.Error.UnknownModel";
inline constexpr const char* kTenantExists = "org.ckernel.Error.TenantExists";
inline constexpr const char* kModelExists = "org.ckernel.Error.ModelExists";
inline constexpr const char* kCpusUnavailable = "org.ckernel.Error.CpusUnavailable";
inline constexpr const char* kNodesUnavailable = "org.ckernel.Error.NodesUnavailable";
inline constexpr const char* kLimitTooLarge = "org.ckernel.Error.LimitTooLarge";
inline constexpr const char* kModelTooLarge = "org.ckernel.Error.ModelTooLarge";
inline constexpr const char* kBadModel = "org.ckernel.Error.BadModel";
inline constexpr const char* kWorkerFailed = "org.ckernel.Error.WorkerFailed";
inline constexpr const char* kTimeout = "org.ckernel.Error.Timeout";
inline constexpr const char* kUnknownRequest = "org.ckernel.Error.UnknownRequest";
inline constexpr const char* kFailed = "org.ckernel.Error.Failed";
}  // namespace error_name

class DaemonError : public std::runtime_error {
 public:
  DaemonError(const char* name, const std::string& message) : std::runtime_error(message), name_(name) {}
  const char* name() const noexcept { return name_; }

 private:
  const char* name_;
};

}  // namespace ck::daemon
