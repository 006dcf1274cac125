// ckd's log: one line per message on stderr, with the sd-daemon priority prefix the journal reads.
#pragma once

#include <string_view>

#include "options.h"

namespace ck::daemon {

void set_log_level(LogLevel level);
void log(LogLevel level, std::string_view message);

}  // namespace ck::daemon
