// cktune: look at what the tuning library sees on this host, measure its copy engines, and measure the
// kernels' host tuning (kernel wisdom).
//
//   cktune topology                  CPUs, nodes, caches, ISA, huge page pools, DSA, cgroup layout
//   cktune copy-bench [--mib N] [--repeat R]
//                                    memcpy against the CPU copy engine at 1 and 2+ threads
//   cktune kernels [--output PATH] [--if-stale] [--quick] [--rounds N] [--threads N] [--json]
//                                    measure the kernel tuning of this host into the wisdom file
//
// The command line is read with Boost.Program_options, as ckrun's, ckbench's and ckctl's: `--help` on
// every level, and every bad argument named with exit status 2 before anything touches the host.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/tuning/cgroup_layout.h"
#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/topology.h"
#include "command_errors.h"
#include "copy_bench.h"
#include "kernels_command.h"

namespace {

namespace po = boost::program_options;
using namespace ck::tuning;

using cktune::kExitFailed;
using cktune::kExitUsage;
using cktune::UsageError;

// Copying more than 1 TiB per buffer is a typo, and mib * 2^20 must not overflow.
constexpr std::int64_t kMaxCopyBenchMib = std::int64_t{1} << 20;
constexpr int kMaxRepeat = 1000;

struct CommandSpec {
  std::string_view name;
  std::string_view synopsis;  // after the name
  std::string_view brief;     // one line, for the list of commands
  std::string_view summary;
};

constexpr CommandSpec kCommands[] = {
    {"topology", "", "what the tuning library sees on this host",
     "Prints the CPUs, NUMA nodes, caches, instruction sets, huge page pools, DSA devices and cgroup\n"
     "layout as the tuning library sees them, and the copy engine ckd would choose for weight copies."},
    {"copy-bench", "[--mib N] [--repeat R]", "memcpy against the CPU copy engine, in GB/s",
     "Measures memcpy against the CPU copy engine (with and without streaming stores) at 1, 2 and all\n"
     "allowed threads, in decimal GB/s: the best of R runs copying one N MiB buffer into another (huge\n"
     "pages where the host has them), and checks that the copy equals its source."},
    {"kernels", "[--output PATH] [--if-stale] [--quick] [--rounds N] [--threads N] [--json]",
     "measure the kernels' tuning for this host (kernel wisdom)", cktune::kKernelsSummary},
};

const CommandSpec* find_command(std::string_view name) {
  const auto found = std::ranges::find(kCommands, name, &CommandSpec::name);
  return found == std::end(kCommands) ? nullptr : &*found;
}

void print_overview(const po::options_description& global) {
  std::cout << "Usage: cktune [--help] COMMAND [OPTIONS]\n\n"
               "Shows what ckernel's host tuning (the library ckd uses) sees on this machine, measures\n"
               "its copy engines, and measures the kernels' tuning for this host into the kernel wisdom\n"
               "file that ckrun, ckbench and ckd read. It changes no host settings.\n\n"
               "Commands:\n";
  for (const CommandSpec& command : kCommands)
    std::cout << "  " << command.name << std::string(14 - command.name.size(), ' ') << command.brief << "\n";
  std::cout << "\n"
            << global
            << "\nExamples:\n"
               "  cktune topology\n"
               "  cktune copy-bench --mib 256 --repeat 5\n"
               "  cktune kernels\n\n"
               "Exit status: 0 success, 1 the host refused or failed (the message says what), 2 bad\n"
               "arguments.\n\n"
               "Run 'cktune COMMAND --help' for a command's options.\n";
}

void print_command_help(const CommandSpec& command, const po::options_description& own) {
  std::cout << "Usage: cktune " << command.name;
  if (!command.synopsis.empty()) std::cout << " " << command.synopsis;
  std::cout << "\n\n" << command.summary << "\n";
  if (!own.options().empty()) std::cout << "\n" << own;
}

int show_topology() {
  std::cout << discover_topology().describe();
  try {
    std::cout << detect_cgroup_layout().describe() << "\n";
  } catch (const TuningError& error) {
    std::cout << "cgroups: " << error.what() << "\n";
  }
  const CopyEngineChoice choice = choose_copy_engine();
  std::cout << "copy engine: " << choice.reason << "\n";
  return 0;
}

// The command's own options, bound to where their values go.
struct CommandArguments {
  std::int64_t mib = 1024;
  int repeat = 3;
  cktune::KernelsArguments kernels;
};

po::options_description options_of(const CommandSpec& command, CommandArguments& arguments) {
  po::options_description options("Options of " + std::string(command.name));
  if (command.name == "copy-bench") {
    options.add_options()("mib", po::value(&arguments.mib)->value_name("N")->default_value(arguments.mib),
                          "size of each buffer in MiB (1 to 1048576)")(
        "repeat", po::value(&arguments.repeat)->value_name("R")->default_value(arguments.repeat),
        "runs per measurement, the best counts (1 to 1000)");
  }
  if (command.name == "kernels") cktune::add_kernels_options(options, arguments.kernels);
  return options;
}

int run_command(const CommandSpec& command, const CommandArguments& arguments) {
  if (command.name == "topology") return show_topology();
  if (command.name == "kernels") return cktune::run_kernels(arguments.kernels);
  if (arguments.mib < 1 || arguments.mib > kMaxCopyBenchMib)
    throw UsageError("--mib must be 1 to " + std::to_string(kMaxCopyBenchMib) + ", not " +
                     std::to_string(arguments.mib));
  if (arguments.repeat < 1 || arguments.repeat > kMaxRepeat)
    throw UsageError("--repeat must be 1 to " + std::to_string(kMaxRepeat) + ", not " +
                     std::to_string(arguments.repeat));
  return cktune::copy_bench({static_cast<std::size_t>(arguments.mib), arguments.repeat});
}

int run(int argc, char** argv) {
  bool help = false;
  po::options_description global("Options");
  global.add_options()("help,h", po::bool_switch(&help), "show help for cktune or the command");
  std::vector<std::string> words;
  try {
    const po::parsed_options parsed =
        po::command_line_parser(argc, argv).options(global).allow_unregistered().run();
    po::variables_map vm;
    po::store(parsed, vm);
    po::notify(vm);
    words = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (words.empty()) {
    if (help) {
      print_overview(global);
      return 0;
    }
    throw UsageError("no command given (topology, copy-bench or kernels)");
  }
  const CommandSpec* command = find_command(words[0]);
  if (command == nullptr) {
    if (words[0].starts_with("-")) throw UsageError("unknown option '" + words[0] + "'");
    throw UsageError("unknown command '" + words[0] + "' (topology, copy-bench or kernels)");
  }
  words.erase(words.begin());

  CommandArguments arguments;
  const po::options_description own = options_of(*command, arguments);
  if (help) {
    print_command_help(*command, own);
    return 0;
  }
  try {
    po::variables_map vm;
    const po::parsed_options parsed = po::command_line_parser(words).options(own).run();
    // Without a positional description the parser passes stray words through; they are mistakes here.
    const std::vector<std::string> stray = po::collect_unrecognized(parsed.options, po::include_positional);
    if (!stray.empty())
      throw UsageError(std::string(command->name) + ": unexpected argument '" + stray[0] + "'");
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(command->name) + ": " + e.what());
  }
  return run_command(*command, arguments);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& error) {
    std::cerr << "cktune: " << error.what() << "\nRun 'cktune --help' for usage.\n";
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "cktune: " << error.what() << "\n";
    return kExitFailed;
  }
}
