// ckctl's command line: options that every command takes, the table of commands, and help texts.
// Parsing happens in two passes: the global options (wherever they appear), then the command's own.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus_client.h"

namespace ck::ckctl {

namespace po = boost::program_options;

struct GlobalOptions {
  BusChoice bus;
  bool json = false;
  bool help = false;
};

// What a command works with once its arguments are parsed.
struct CommandContext {
  const GlobalOptions& global;
  const po::variables_map& args;  // positionals under their names, options under their long names
  BusClient& bus;

  // The text of a positional or an option that has a value or a default.
  std::string text(const char* name) const { return args[name].as<std::string>(); }
  bool given(const char* name) const { return args.count(name) != 0; }
};

struct CommandSpec {
  std::string_view name;      // "tenant create"
  std::string_view synopsis;  // after the name: "NAME --cpus LIST --memory SIZE [--mems LIST]"
  std::string_view summary;   // one line for the command list
  std::string_view details;   // a paragraph for the command's --help (may be empty)
  std::string_view examples;  // one example per line, without the leading "ckctl "
  std::vector<std::string_view> positionals;                  // required, in order
  std::function<void(po::options_description&)> add_options;  // may be empty
  std::function<void(const CommandContext&)> run;             // throws CommandError on failure
};

// A parsed command line: the command to run (absent when help was printed) and its arguments.
struct ParsedCommandLine {
  GlobalOptions global;
  const CommandSpec* command = nullptr;
  po::variables_map args;
};

// Prints help and returns no command for --help at any level; throws a usage error for bad input.
ParsedCommandLine parse_command_line(int argc, const char* const* argv,
                                     const std::vector<CommandSpec>& commands);

}  // namespace ck::ckctl
