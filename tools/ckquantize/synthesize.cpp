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

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  float mean;
  float stddev;
};

std::vector<TensorPlan> plan_tensors(const SynthesisOptions& o, int64_t n_vocab) {
  const int64_t kv_dim = o.n_embd / o.n_head * o.n_head_kv;
  const auto matrix_std = [](int64_t fan_in) { return 2.0f / std::sqrt(static_cast<float>(fan_in)); };
  std::vector<TensorPlan> plan = {{"token_embd.weight", {o.n_embd, n_vocab}, 0.f, 1.f},
                                  {"output_norm.weight", {o.n_embd}, 1.f, 0.1f}};
  if (o.untied_output) plan.push_back({"output.weight", {o.n_embd, n_vocab}, 0.f, 1.f});
  for (int64_t il = 0; il < o.n_layer; ++il) {
    const std::string blk = "blk." + std::to_string(il) + ".";
    plan.push_back({blk + "attn_norm.weight", {o.n_embd}, 1.f, 0.1f});
    plan.push_back({blk + "attn_q.weight", {o.n_embd, o.n_embd}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "attn_k.weight", {o.n_embd, kv_dim}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "attn_v.weight", {o.n_embd, kv_dim}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "attn_output.weight", {o.n_embd, o.n_embd}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "ffn_norm.weight", {o.n_embd}, 1.f, 0.1f});
    plan.push_back({blk + "ffn_gate.weight", {o.n_embd, o.n_ff}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "ffn_up.weight", {o.n_embd, o.n_ff}, 0.f, matrix_std(o.n_embd)});
    plan.push_back({blk + "ffn_down.weight", {o.n_ff, o.n_embd}, 0.f, matrix_std(o.n_ff)});
  }
  return plan;
}

void set_hyper_parameters(GgufWriter& w, const SynthesisOptions& o, int64_t n_vocab) {
  const auto u32 = [](int64_t v) { return static_cast<uint32_t>(v); };
  w.set("general.architecture", "llama");
  w.set("general.name", "synthetic llama " + std::to_string(o.n_layer) + "x" + std::to_string(o.n_embd) +
                            " seed " + std::to_string(o.seed));
  w.set("llama.vocab_size", u32(n_vocab));
  w.set("llama.context_length", u32(o.n_ctx_train));
  w.set("llama.embedding_length", u32(o.n_embd));
  w.set("llama.block_count", u32(o.n_layer));
  w.set("llama.feed_forward_length", u32(o.n_ff));
  w.set("llama.attention.head_count", u32(o.n_head));
  w.set("llama.attention.head_count_kv", u32(o.n_head_kv));
  w.set("llama.rope.dimension_count", u32(o.n_embd / o.n_head));
  w.set("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.set("llama.rope.freq_base", 10000.0f);
}

}  // namespace

void synthesize(const SynthesisOptions& o) {
  check_shape(o);
  const auto vocab = GgufFile::open(o.vocab_path);
  const auto n_vocab = static_cast<int64_t>(vocab->get_string_array("tokenizer.ggml.tokens").size());
  if (n_vocab == 0) vocab->fail("has no tokenizer.ggml.tokens to take the vocabulary from");

  const std::vector<TensorPlan> plan = plan_tensors(o, n_vocab);
  ModelWriter out(o.file_type, o.n_layer, !o.untied_output, plan.size());
  set_hyper_parameters(out.gguf(), o, n_vocab);
  for (const auto& [key, value] : vocab->metadata())
    if (key.starts_with("tokenizer.")) out.gguf().set(key, GgufWriteValue::copy_of(value));

  std::vector<float> values;
  for (size_t i = 0; i < plan.size(); ++i) {
    const TensorPlan& t = plan[i];
    std::seed_seq seed{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32),
                       static_cast<uint32_t>(i)};
    std::mt19937 generator(seed);
    std::normal_distribution<float> distribution(t.mean, t.stddev);
    int64_t count = 1;
    for (int64_t n : t.ne) count *= n;
    values.resize(static_cast<size_t>(count));
    for (float& v : values) v = distribution(generator);
    out.add(t.name, t.ne, values);
  }
  out.write(o.out_path);
}

}  // namespace ck::quantize
