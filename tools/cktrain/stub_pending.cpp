#include "commands.h"
#include <stdexcept>
namespace ck::cktrain {
int run_command(const std::vector<std::string>&) { throw std::runtime_error("pending"); }
int eval_command(const std::vector<std::string>&) { throw std::runtime_error("pending"); }
}
