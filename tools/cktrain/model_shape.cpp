#include "model_shape.h"

#include <stdexcept>

namespace ck::cktrain {

void add_shape_options(po::options_description& options, ModelShape& s) {
  auto add = options.add_options();
  add("arch", po::value(&s.architecture)->default_value(s.architecture),
      "llama (adjacent-pair RoPE) or qwen2 (q/k/v biases, NeoX RoPE)");
  add("embd", po::value(&s.n_embd)->default_value(s.n_embd), "embedding width");
  add("layers", po::value(&s.n_layer)->default_value(s.n_layer), "transformer blocks");
  add("heads", po::value(&s.n_head)->default_value(s.n_head), "attention heads (head size = embd / heads)");
  add("kv-heads", po::value(&s.n_head_kv)->default_value(s.n_head_kv),
      "key/value heads; fewer than --heads is grouped-query attention");
  add("ffn", po::value(&s.n_ff)->default_value(s.n_ff), "feed-forward width");
  add("context", po::value(&s.n_ctx)->default_value(s.n_ctx), "the model's context length (positions)");
  add("rope-base", po::value(&s.rope_base)->default_value(s.rope_base),
      "RoPE theta; 0: 10000 for llama, 1000000 for qwen2");
  add("tied", po::bool_switch(&s.tied), "the output projection reuses token_embd (no output.weight)");
}

ModelConfig config_of(const ModelShape& shape, int64_t n_vocab, const std::string& name) {
  try {
    return model_config(shape, n_vocab, name);
  } catch (const std::invalid_argument& e) {
    throw UsageError{e.what()};
  }
}

}  // namespace ck::cktrain
