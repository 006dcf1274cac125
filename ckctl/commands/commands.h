// The commands ckctl offers; each group lives in its own file.
#pragma once

#include <vector>

#include "command_line.h"

namespace ck::ckctl {

std::vector<CommandSpec> status_commands();    // status
std::vector<CommandSpec> tenant_commands();    // tenant create | list | remove
std::vector<CommandSpec> model_commands();     // load, unload
std::vector<CommandSpec> generate_commands();  // generate

// All of them, in the order --help lists them.
std::vector<CommandSpec> all_commands();

}  // namespace ck::ckctl
