#include "log.h"

#include <systemd/sd-daemon.h>

#include <cstdio>
#include <string>

namespace ck::daemon {
namespace {

LogLevel threshold = LogLevel::info;

const char* prefix(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return SD_ERR;
    case LogLevel::warning:
      return SD_WARNING;
    case LogLevel::info:
      return SD_INFO;
    case LogLevel::debug:
      return SD_DEBUG;
  }
  return SD_INFO;
}

}  // namespace

void set_log_level(LogLevel level) { threshold = level; }

void log(LogLevel level, std::string_view message) {
  if (level > threshold) return;
  std::fprintf(stderr, "%sckd: %.*s\n", prefix(level), static_cast<int>(message.size()), message.data());
}

}  // namespace ck::daemon
