// Weight statistics follow the team's tiny models, which are scaled so that every layer matters to the
// next token: matrices ~ N(0, (2 / sqrt(fan_in))^2), embeddings and the output ~ N(0, 1), norm weights
// ~ 1 + N(0, 0.1^2). Each tensor draws from its own generator, seeded from the seed and its index, so a
// tensor does not change when another one does.
#include "synthesize.h"

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/model_shape.h"
#include "ckernel/engine/train/parameters.h"
#include "model_writer.h"

namespace ck::quantize {
namespace {

// What quantizing adds to model_config()'s checks of the shape.
void check_shape(const ModelShape& shape) {
  if (shape.n_embd % 32 != 0 || shape.n_ff % 32 != 0)
    throw std::invalid_argument("--embd and --ffn must be multiples of 32 (the block size)");
}

// The mean and standard deviation a tensor's values are drawn from (see the top of this file).
std::pair<float, float> statistics_of(const train::ParameterTensor& t) {
  if (t.name.ends_with("norm.weight")) return {1.f, 0.1f};
  if (t.name == "token_embd.weight" || t.name == "output.weight") return {0.f, 1.f};
  return {0.f, 2.0f / std::sqrt(static_cast<float>(t.cols))};  // fan-in: the row length
}

}  // namespace

void synthesize(const SynthesisOptions& o) {
  const ModelShape& shape = o.shape;
  check_shape(shape);
  const auto vocab = GgufFile::open(o.vocab_path);
  const auto n_vocab = static_cast<int64_t>(vocab->get_string_array("tokenizer.ggml.tokens").size());
  if (n_vocab == 0) vocab->fail("has no tokenizer.ggml.tokens to take the vocabulary from");

  const ModelConfig config = model_config(shape, n_vocab,
                                          "synthetic " + shape.architecture + " " + std::to_string(shape.n_layer) +
                                              "x" + std::to_string(shape.n_embd) + " seed " + std::to_string(o.seed));
  // The tensors, their names and shapes, as the engine lays out a model of this configuration.
  const train::ParameterLayout layout(config);
  ModelWriter out(o.file_type, shape.n_layer, shape.tied, layout.tensors().size());
  write_model_config(out.gguf(), config);
  write_tokenizer_of(out.gguf(), *vocab);

  std::vector<float> values;
  for (size_t i = 0; i < layout.tensors().size(); ++i) {
    const train::ParameterTensor& t = layout.tensors()[i];
    std::seed_seq seed{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32),
                       static_cast<uint32_t>(i)};
    std::mt19937 generator(seed);
    const auto [mean, stddev] = statistics_of(t);
    std::normal_distribution<float> distribution(mean, stddev);
    values.resize(static_cast<size_t>(t.size()));
    for (float& v : values) v = distribution(generator);
    out.add(t.name, t.matrix ? std::vector<int64_t>{t.cols, t.rows} : std::vector<int64_t>{t.cols}, values);
  }
  out.write(o.out_path);
}

}  // namespace ck::quantize
