// The subcommands of cktrain; each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace ck::cktrain {

int init_command(const std::vector<std::string>& args);
int run_command(const std::vector<std::string>& args);
int eval_command(const std::vector<std::string>& args);
int bench_command(const std::vector<std::string>& args);
int vocab_command(const std::vector<std::string>& args);

}  // namespace ck::cktrain
