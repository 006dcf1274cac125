// ckctl: the command-line client of ckd. It speaks only ckd's D-Bus API (docs/dbus-api.md).
#include <cstdio>
#include <exception>

#include "command_line.h"
#include "commands/commands.h"
#include "exit_status.h"

int main(int argc, char** argv) {
  using namespace ck::ckctl;
  try {
    const std::vector<CommandSpec> commands = all_commands();
    const ParsedCommandLine parsed = parse_command_line(argc, argv, commands);
    if (parsed.command == nullptr) return static_cast<int>(ExitStatus::ok);  // help was printed
    BusClient bus(parsed.global.bus);
    parsed.command->run(CommandContext{parsed.global, parsed.args, bus});
    return static_cast<int>(ExitStatus::ok);
  } catch (const CommandError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ckctl: %s\n", e.what());
    return static_cast<int>(e.status());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ckctl: %s\n", e.what());
    return static_cast<int>(ExitStatus::server_error);
  }
}
