// cktrain init: a new model of a chosen shape with freshly drawn weights and another model's vocabulary.
#include <cstdio>
#include <iostream>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/train/checkpoint.h"
#include "ckernel/engine/train/parameters.h"
#include "command_line.h"
#include "commands.h"
#include "model_shape.h"

namespace ck::cktrain {

int init_command(const std::vector<std::string>& args) {
  ModelShape shape;
  std::string vocab_path, output;
  uint64_t seed = 1;
  po::options_description options("Options");
  options.add_options()("vocab", po::value(&vocab_path)->required(),
                        "GGUF file (a model or a vocabulary) whose tokenizer the new model takes")(
      "output,o", po::value(&output)->required(), "the model file to write (F32 GGUF)")(
      "seed", po::value(&seed)->default_value(seed), "random seed of the weights");
  add_shape_options(options, shape);
  po::variables_map vm;
  if (!parse_command_line(args,
                          "Usage: cktrain init --vocab VOCAB.gguf [shape options] [--seed S] -o MODEL.gguf\n\n"
                          "Writes a llama-family model with new weights, ready for `cktrain run`: matrices and\n"
                          "embeddings drawn from normal(0, 0.02), attn_output and ffn_down further scaled by\n"
                          "1/sqrt(2 * layers), norms at 1, biases at 0 (GPT-2's and llama2.c's scheme). The\n"
                          "vocabulary (tokenizer.* keys) is copied from VOCAB. The defaults are the 15M-parameter\n"
                          "benchmark shape. Example:\n"
                          "  cktrain init --vocab vocab.gguf --embd 256 --layers 4 --heads 4 --kv-heads 2 \\\n"
                          "    --ffn 768 --context 256 -o small.gguf\n",
                          options, "", 0, vm))
    return kExitOk;

  const std::unique_ptr<GgufFile> vocab = GgufFile::open(vocab_path);
  const Tokenizer tokenizer = Tokenizer::from_gguf(*vocab);
  const std::string name = "ckernel " + shape.architecture + " " + std::to_string(shape.n_layer) + "x" +
                           std::to_string(shape.n_embd) + " seed " + std::to_string(seed);
  const ModelConfig config = config_of(shape, tokenizer.n_vocab(), name);
  train::check_trainable(config);
  const train::ParameterLayout layout(config);
  train::ParameterBuffer parameters(layout.total());
  train::initialize_parameters(layout, seed, parameters);
  size_t count = 0;
  for (const train::ParameterTensor& t : layout.tensors()) count += static_cast<size_t>(t.size());
  train::model_writer(config, layout, parameters, *vocab).write(output);
  Model::load(output);  // what was written must load back
  std::fprintf(stderr, "cktrain init: wrote %s: %s, %.2fM parameters, vocabulary of %d tokens from %s\n",
               output.c_str(), name.c_str(), static_cast<double>(count) / 1e6, tokenizer.n_vocab(),
               vocab_path.c_str());
  return kExitOk;
}

}  // namespace ck::cktrain
