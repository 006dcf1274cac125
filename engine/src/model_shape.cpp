#include "ckernel/engine/model_shape.h"

#include <stdexcept>

namespace ck {

ModelConfig model_config(const ModelShape& s, int64_t n_vocab, std::string name) {
  auto require = [](bool ok, const std::string& problem) {
    if (!ok) throw std::invalid_argument(problem);
  };
  require(s.architecture == "llama" || s.architecture == "qwen2",
          "--arch " + s.architecture + " is not one of llama, qwen2");
  require(s.n_embd > 0 && s.n_layer > 0 && s.n_head > 0 && s.n_head_kv > 0 && s.n_ff > 0 && s.n_ctx > 0 && n_vocab > 0,
          "--embd, --layers, --heads, --kv-heads, --ffn, --context and the vocabulary must be positive");
  require(s.n_embd % s.n_head == 0,
          "--embd " + std::to_string(s.n_embd) + " is not a multiple of --heads " + std::to_string(s.n_head));
  require(s.n_head % s.n_head_kv == 0,
          "--heads " + std::to_string(s.n_head) + " is not a multiple of --kv-heads " + std::to_string(s.n_head_kv));
  require((s.n_embd / s.n_head) % 2 == 0,
          "the head size " + std::to_string(s.n_embd / s.n_head) + " (embd / heads) must be even for RoPE");
  require(s.rope_base >= 0, "--rope-base must not be negative");
  ModelConfig c;
  c.architecture = s.architecture;
  c.name = std::move(name);
  c.n_vocab = n_vocab;
  c.n_ctx_train = s.n_ctx;
  c.n_embd = s.n_embd;
  c.n_layer = s.n_layer;
  c.n_head = s.n_head;
  c.n_head_kv = s.n_head_kv;
  c.head_dim = s.n_embd / s.n_head;
  c.n_ff = s.n_ff;
  c.rms_eps = 1e-5f;
  c.rope.n_dims = c.head_dim;
  c.rope.neox = s.architecture == "qwen2";
  c.rope.freq_base = static_cast<float>(s.rope_base > 0 ? s.rope_base : (c.rope.neox ? 1e6 : 1e4));
  c.rope.n_ctx_orig = s.n_ctx;
  c.tied_output = s.tied;
  return c;
}

}  // namespace ck
