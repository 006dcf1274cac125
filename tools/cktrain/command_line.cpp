#include "command_line.h"

#include <iostream>

namespace ck::cktrain {

bool parse_command_line(const std::vector<std::string>& args, const std::string& usage,
                        const po::options_description& options, const std::string& positional, int max_positional,
                        po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  all.add_options()("help,h", "this text");
  po::positional_options_description positional_spec;
  if (!positional.empty()) positional_spec.add(positional.c_str(), max_positional);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional_spec).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << options << "  -h [ --help ]          this text\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError{e.what()};
  }
  return true;
}

}  // namespace ck::cktrain
