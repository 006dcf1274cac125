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
#include "ckernel/engine/train/parameters.h"
#include "model_writer.h"

namespace ck::quantize {
namespace {

void check_shape(const SynthesisOptions& o) {
  auto require = [](bool ok, const std::string& problem) {
    if (!ok) throw std::invalid_argument(problem);
  };
  require(o.n_embd > 0 && o.n_layer > 0 && o.n_head > 0 && o.n_head_kv > 0 && o.n_ff > 0 && o.n_ctx_train > 0,
          "every dimension must be positive");
  require(o.n_embd % o.n_head == 0,
          "--embd " + std::to_string(o.n_embd) + " is not a multiple of --heads " + std::to_string(o.n_head));
  require(o.n_head % o.n_head_kv == 0, "--heads " + std::to_string(o.n_head) +
                                           " is not a multiple of --kv-heads " + std::to_string(o.n_head_kv));
  require((o.n_embd / o.n_head) % 2 == 0,
          "the head size " + std::to_string(o.n_embd / o.n_head) + " must be even for RoPE");
  require(o.n_embd % 32 == 0 && o.n_ff % 32 == 0,
          "--embd and --ffn must be multiples of 32 (the block size)");
}

// The configuration of the options' shape: the architecture's usual settings (rms_eps 1e-5, theta 10000).
ModelConfig config_of(const SynthesisOptions& o, int64_t n_vocab) {
  ModelConfig c;
  c.architecture = "llama";
  c.name = "synthetic llama " + std::to_string(o.n_layer) + "x" + std::to_string(o.n_embd) + " seed " +
           std::to_string(o.seed);
  c.n_vocab = n_vocab;
  c.n_ctx_train = o.n_ctx_train;
  c.n_embd = o.n_embd;
  c.n_layer = o.n_layer;
  c.n_head = o.n_head;
  c.n_head_kv = o.n_head_kv;
  c.head_dim = o.n_embd / o.n_head;
  c.n_ff = o.n_ff;
  c.rms_eps = 1e-5f;
  c.rope.n_dims = c.head_dim;
  c.rope.freq_base = 10000.0f;
  c.rope.n_ctx_orig = o.n_ctx_train;
  c.tied_output = !o.untied_output;
  return c;
}

// The mean and standard deviation a tensor's values are drawn from (see the top of this file).
std::pair<float, float> statistics_of(const train::ParameterTensor& t) {
  if (t.name.ends_with("norm.weight")) return {1.f, 0.1f};
  if (t.name == "token_embd.weight" || t.name == "output.weight") return {0.f, 1.f};
  return {0.f, 2.0f / std::sqrt(static_cast<float>(t.cols))};  // fan-in: the row length
}

}  // namespace

void synthesize(const SynthesisOptions& o) {
  check_shape(o);
  const auto vocab = GgufFile::open(o.vocab_path);
  const auto n_vocab = static_cast<int64_t>(vocab->get_string_array("tokenizer.ggml.tokens").size());
  if (n_vocab == 0) vocab->fail("has no tokenizer.ggml.tokens to take the vocabulary from");

  const ModelConfig config = config_of(o, n_vocab);
  // The tensors, their names and shapes, as the engine lays out a model of this configuration.
  const train::ParameterLayout layout(config);
  ModelWriter out(o.file_type, o.n_layer, !o.untied_output, layout.tensors().size());
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
