#include "ckernel/tuning/error.h"

#include <cerrno>
#include <cstring>

namespace ck::tuning {
namespace {

std::string compose(const std::string& call, const std::string& path, const std::string& reason) {
  std::string text = call;
  if (!path.empty()) text += " " + path;
  return text + ": " + reason;
}

}  // namespace

TuningError::TuningError(std::string call, std::string path, std::string reason, int error_number)
    : std::runtime_error(compose(call, path, reason)),
      call_(std::move(call)),
      path_(std::move(path)),
      reason_(std::move(reason)),
      error_number_(error_number) {}

TuningError TuningError::from_errno(std::string call, std::string path, int error_number) {
  return TuningError(std::move(call), std::move(path), errno_text(error_number), error_number);
}

void throw_errno(std::string call, std::string path, int error_number) {
  throw TuningError::from_errno(std::move(call), std::move(path), error_number);
}

void throw_errno(std::string call, std::string path) {
  const int saved = errno;
  throw_errno(std::move(call), std::move(path), saved);
}

std::string errno_text(int error_number) {
  // strerrordesc_np is thread-safe and never formats into a shared buffer.
  const char* description = strerrordesc_np(error_number);
  if (description == nullptr) return "errno " + std::to_string(error_number);
  return description;
}

}  // namespace ck::tuning
