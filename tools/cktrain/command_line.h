// What every cktrain subcommand shares: parsing its options (usage errors exit 2 with the problem named),
// its help text, and the exit codes.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace ck::cktrain {

namespace po = boost::program_options;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Thrown for a usage error after parsing (a missing or contradictory option); main prints it with a hint.
struct UsageError {
  std::string message;
};

// Parses args (after the subcommand's name) into vm. `positional` names the option that takes positional
// arguments ("" when there are none). Returns false when --help was asked for (the help is printed).
bool parse_command_line(const std::vector<std::string>& args, const std::string& usage,
                        const po::options_description& options, const std::string& positional, int max_positional,
                        po::variables_map& vm);

}  // namespace ck::cktrain
