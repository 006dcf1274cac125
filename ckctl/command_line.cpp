#include "command_line.h"

#include <algorithm>
#include <iostream>

#include "exit_status.h"

namespace ck::ckctl {
namespace {

constexpr std::string_view kExitStatusHelp =
    "Exit status:\n"
    "  0  success\n"
    "  1  ckd refused or failed the request (its message and D-Bus error name are printed)\n"
    "  2  bad arguments; nothing was sent\n"
    "  3  ckd is not running (no bus, or nobody owns org.ckernel.Manager1)\n"
    "  4  permission denied (changes need root or group ckernel; status is open to everyone)\n";

constexpr size_t kCommandColumn = 16;

po::options_description global_options(GlobalOptions& global) {
  po::options_description options("Global options (anywhere on the line)");
  options.add_options()("help,h", po::bool_switch(&global.help), "show help for ckctl or the command")(
      "json", po::bool_switch(&global.json), "print one JSON document on stdout instead of text")(
      "bus", po::value(&global.bus.address)->value_name("ADDRESS"),
      "D-Bus address to use, e.g. unix:path=/run/ckd-test/bus")(
      "user", po::bool_switch(&global.bus.user), "use the session (user) bus instead of the system bus");
  return options;
}

// One line per command, its name then two spaces and its summary (units/ckctl.bash-completion reads the
// names from here).
void print_command_list(std::ostream& out, const std::vector<CommandSpec>& commands,
                        std::string_view prefix) {
  for (const CommandSpec& command : commands) {
    if (!command.name.starts_with(prefix)) continue;
    out << "  " << command.name << std::string(kCommandColumn - command.name.size(), ' ') << command.summary
        << "\n";
  }
}

void print_examples(std::ostream& out, const std::vector<CommandSpec>& commands, std::string_view prefix) {
  out << "Examples:\n";
  for (const CommandSpec& command : commands) {
    if (!command.name.starts_with(prefix)) continue;
    std::string_view examples = command.examples;
    while (!examples.empty()) {
      const size_t end = examples.find('\n');
      out << "  ckctl " << examples.substr(0, end) << "\n";
      examples.remove_prefix(end == std::string_view::npos ? examples.size() : end + 1);
    }
  }
}

void print_overview(const std::vector<CommandSpec>& commands, const po::options_description& global,
                    std::string_view group) {
  std::cout << "Usage: ckctl [--json] [--bus ADDRESS | --user] COMMAND [ARGUMENTS]\n\n"
               "Manages ckd, the ckernel daemon, over D-Bus: tenants (slices of CPUs and memory) and the\n"
               "GGUF models loaded in them, and generates text with those models.\n\n"
            << "Commands:\n";
  print_command_list(std::cout, commands, group);
  std::cout << "\n" << global << "\n";
  print_examples(std::cout, commands, group);
  std::cout << "\n"
            << kExitStatusHelp << "\nRun 'ckctl COMMAND --help' for a command's options and examples.\n";
}

void print_command_help(const CommandSpec& command, const po::options_description& own,
                        const po::options_description& global) {
  std::cout << "Usage: ckctl " << command.name << " " << command.synopsis << "\n\n"
            << command.summary << "\n";
  if (!command.details.empty()) std::cout << "\n" << command.details << "\n";
  if (!own.options().empty()) std::cout << "\n" << own;
  std::cout << "\n" << global << "\n";
  print_examples(std::cout, {command}, "");
  std::cout << "\n" << kExitStatusHelp;
}

// The command named by the first one or two words, or nullptr with `group` set when the words name only
// a group ("tenant").
const CommandSpec* find_command(const std::vector<CommandSpec>& commands,
                                const std::vector<std::string>& words, std::string& group,
                                size_t& words_used) {
  if (words.empty()) return nullptr;
  for (size_t count = std::min<size_t>(2, words.size()); count >= 1; --count) {
    std::string name = words[0];
    if (count == 2) name += " " + words[1];
    for (const CommandSpec& command : commands) {
      if (command.name == name) {
        words_used = count;
        return &command;
      }
    }
  }
  for (const CommandSpec& command : commands) {
    if (command.name.starts_with(words[0] + " ")) group = words[0] + " ";
  }
  return nullptr;
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const* argv,
                                     const std::vector<CommandSpec>& commands) {
  ParsedCommandLine parsed;
  const po::options_description global = global_options(parsed.global);
  std::vector<std::string> rest;
  try {
    po::variables_map global_values;
    const po::parsed_options options =
        po::command_line_parser(argc, argv).options(global).allow_unregistered().run();
    po::store(options, global_values);
    po::notify(global_values);
    rest = po::collect_unrecognized(options.options, po::include_positional);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  if (!parsed.global.bus.address.empty() && parsed.global.bus.user) {
    throw usage_error("--bus and --user exclude each other");
  }

  std::string group;
  size_t words_used = 0;
  const CommandSpec* command = find_command(commands, rest, group, words_used);
  if (command == nullptr) {
    if (parsed.global.help || rest.empty() || !group.empty()) {
      print_overview(commands, global, group);
      if (parsed.global.help) return parsed;
      throw usage_error(rest.empty() ? "no command given" : "'" + rest[0] + "' needs a subcommand");
    }
    throw usage_error("unknown command '" + rest[0] + "' (see ckctl --help)");
  }

  po::options_description own("Options");
  if (command->add_options) command->add_options(own);
  if (parsed.global.help) {
    print_command_help(*command, own, global);
    return parsed;
  }
  po::options_description all;
  all.add(own);
  po::positional_options_description positional;
  for (const std::string_view name : command->positionals) {
    const std::string key(name);
    all.add_options()(key.c_str(), po::value<std::string>()->required());
    positional.add(key.c_str(), 1);
  }
  const std::vector<std::string> arguments(rest.begin() + static_cast<ptrdiff_t>(words_used), rest.end());
  try {
    po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), parsed.args);
    po::notify(parsed.args);
  } catch (const po::required_option& e) {
    const std::string missing = e.get_option_name().substr(e.get_option_name().find_first_not_of('-'));
    const bool is_positional = std::ranges::find(command->positionals, missing) != command->positionals.end();
    throw usage_error(is_positional ? "missing " + missing + " (usage: ckctl " + std::string(command->name) +
                                          " " + std::string(command->synopsis) + ")"
                                    : std::string(e.what()));
  } catch (const po::error& e) {
    throw usage_error(std::string(e.what()) + " (see ckctl " + std::string(command->name) + " --help)");
  }
  parsed.command = command;
  return parsed;
}

}  // namespace ck::ckctl
