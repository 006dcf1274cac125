#include "commands.h"

namespace ck::ckctl {

std::vector<CommandSpec> all_commands() {
  std::vector<CommandSpec> all;
  for (auto group : {status_commands, tenant_commands, model_commands, generate_commands}) {
    for (CommandSpec& command : group()) all.push_back(std::move(command));
  }
  return all;
}

}  // namespace ck::ckctl
