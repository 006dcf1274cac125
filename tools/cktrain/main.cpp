// cktrain: trains llama-family models in fp32 on the CPU, and their vocabularies.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "command_line.h"
#include "commands.h"

namespace {

constexpr const char* kHelp =
    "Usage: cktrain COMMAND [options]      (cktrain COMMAND --help for a command's options)\n\n"
    "Commands:\n"
    "  vocab  learn a SentencePiece vocabulary from text files (a GGUF vocabulary for init)\n"
    "  init   a new model of a chosen shape with fresh weights and a vocabulary (vocab's, or a model's)\n"
    "  run    train a model on text files, writing checkpoints (model.gguf + model.train.gguf)\n"
    "  eval   the loss and perplexity of a model on text files\n"
    "  bench  training tokens/s and GFLOP/s of a model shape, against the machine's fp32 peak\n\n"
    "A model trains in fp32 from F32, F16 or BF16 weights; quantize the result with ckquantize.\n"
    "Example, from nothing to text:\n"
    "  cktrain vocab --data corpus/ --size 8000 -o vocab.gguf\n"
    "  cktrain init --vocab vocab.gguf --embd 128 --layers 2 --heads 4 \\\n"
    "    --kv-heads 2 --ffn 384 --context 128 -o small.gguf\n"
    "  cktrain run small.gguf --data corpus/ --steps 200 --batch 8 --context 128 -o trained.gguf\n"
    "  ckrun trained.gguf -p \"Once upon a time\"\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace ck::cktrain;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::cout << kHelp;
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "init") return init_command(args);
    if (command == "run") return run_command(args);
    if (command == "eval") return eval_command(args);
    if (command == "bench") return bench_command(args);
    if (command == "vocab") return vocab_command(args);
    std::cerr << "cktrain: unknown command '" << command
              << "' (vocab, init, run, eval, bench; cktrain --help)\n";
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "cktrain " << command << ": " << e.message << " (cktrain " << command << " --help)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "cktrain " << command << ": " << e.what() << "\n";
    return kExitFailure;
  }
}
