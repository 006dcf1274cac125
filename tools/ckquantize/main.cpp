// ckquantize: converts a GGUF model's weights to another type, like llama-quantize, or synthesizes a
// llama model of a chosen shape with seeded random weights (for benchmarks). Progress goes to stderr.
#include <boost/program_options.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "file_type.h"
#include "requantize.h"
#include "synthesize.h"

namespace po = boost::program_options;
using namespace ck::quantize;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::string type_list() {
  std::string list;
  for (const FileType& t : file_types()) list += (list.empty() ? "" : ", ") + std::string(t.name);
  return list;
}

void print_help(const po::options_description& options) {
  std::cout << "Usage:\n"
               "  ckquantize IN.gguf OUT.gguf TYPE\n"
               "      Converts every weight of IN to TYPE and writes OUT (norms stay F32). TYPE is one of\n"
               "      "
            << type_list()
            << ".\n"
               "      Q4_K_M and Q5_K_M mix in Q6_K as llama-quantize does: the output projection, and\n"
               "      attn_v / ffn_down in the first and last eighth of the layers and every third between.\n"
               "      The quantized bytes equal llama-quantize's (without an importance matrix).\n"
               "  ckquantize --synthesize --vocab-from VOCAB.gguf [shape] --seed S --type TYPE OUT.gguf\n"
               "      Writes a llama model with seeded random weights and VOCAB's tokenizer, e.g. the\n"
               "      0.34B benchmark model:\n"
               "        ckquantize --synthesize --vocab-from tests/data/models/tiny-llama-Q4_K_M.gguf \\\n"
               "          --embd 1024 --layers 24 --heads 16 --kv-heads 4 --ffn 2816 --untied --seed 1 \\\n"
               "          --type Q8_0 models/synth-llama-0.34b-Q8_0.gguf\n\n"
            << options;
}

}  // namespace

int main(int argc, char** argv) {
  SynthesisOptions synthesis;
  std::string type_name;
  std::vector<std::string> positional;
  po::options_description options("Options");
  auto add = options.add_options();
  add("help,h", "this text");
  add("synthesize", "write a random model instead of converting one");
  add("vocab-from", po::value(&synthesis.vocab_path), "GGUF file whose tokenizer the synthesized model gets");
  ck::ModelShape& shape = synthesis.shape;
  bool untied = !shape.tied;
  add("embd", po::value(&shape.n_embd)->default_value(shape.n_embd), "embedding width");
  add("layers", po::value(&shape.n_layer)->default_value(shape.n_layer), "transformer blocks");
  add("heads", po::value(&shape.n_head)->default_value(shape.n_head), "attention heads");
  add("kv-heads", po::value(&shape.n_head_kv)->default_value(shape.n_head_kv),
      "key/value heads (grouped-query attention when fewer than --heads)");
  add("ffn", po::value(&shape.n_ff)->default_value(shape.n_ff), "feed-forward width");
  add("context", po::value(&shape.n_ctx)->default_value(shape.n_ctx), "training context");
  add("untied", po::bool_switch(&untied), "a separate output.weight (default: tied to token_embd)");
  add("seed", po::value(&synthesis.seed)->default_value(synthesis.seed), "random seed");
  add("type", po::value(&type_name), "file type of the synthesized model");
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&positional));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional_spec;
  positional_spec.add("positional", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional_spec).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ckquantize: " << e.what() << " (see ckquantize --help)\n";
    return kExitUsage;
  }
  if (vm.count("help") || argc == 1) {
    print_help(options);
    return vm.count("help") ? 0 : kExitUsage;
  }

  shape.tied = !untied;
  const bool synthesizing = vm.count("synthesize") > 0;
  const size_t expected = synthesizing ? 1 : 3;
  if (positional.size() != expected) {
    std::cerr << "ckquantize: expected " << (synthesizing ? "OUT.gguf" : "IN.gguf OUT.gguf TYPE") << ", got "
              << positional.size() << " arguments (see ckquantize --help)\n";
    return kExitUsage;
  }
  if (!synthesizing) type_name = positional[2];
  const std::optional<FileType> file_type = parse_file_type(type_name);
  if (!file_type) {
    std::cerr << "ckquantize: unknown type '" << type_name << "'; one of " << type_list() << "\n";
    return kExitUsage;
  }
  if (synthesizing && synthesis.vocab_path.empty()) {
    std::cerr << "ckquantize: --synthesize needs --vocab-from VOCAB.gguf (a model or vocabulary file)\n";
    return kExitUsage;
  }

  try {
    if (synthesizing) {
      synthesis.out_path = positional[0];
      synthesis.file_type = *file_type;
      synthesize(synthesis);
    } else {
      requantize(positional[0], positional[1], *file_type);
    }
  } catch (const std::exception& e) {
    std::cerr << "ckquantize: " << e.what() << "\n";
    return kExitFailure;
  }
  return 0;
}
