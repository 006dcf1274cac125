// The training engine against PyTorch (tests/data/train/, written by torch_reference.py): logits, loss,
// every parameter's gradient, and the losses and weights of 10 AdamW steps, for tiny llama and qwen2
// configurations (GQA or not, tied or untied, NeoX or adjacent-pair RoPE, partial RoPE).
//
// Tolerances. Each reference is stored twice: torch in float64 (ref64, the truth up to a final rounding)
// and torch in float32 (ref32). ref32's distance from ref64 shows what float32 arithmetic costs on these
// exact computations; ckernel computes in float32 too, with other summation orders (sequential FMA chains
// in the products, double sums in the norms), so its error is of the same kind and size. A tensor passes
// when max|ckernel - ref64| <= kFactor * max|ref32 - ref64| + kFloor * max|ref64|: kFactor = 8 leaves room
// for a different but equally valid order of the sums (errors of a sum of n terms grow like sqrt(n) to n
// eps, and the orders differ), kFloor = 4e-7 (about 3 float32 ulps of the largest element) for tensors
// where torch's float32 happened to round almost exactly. llm.c checks its gradients against PyTorch at an
// absolute 1e-2 or so; these bounds are 3 to 4 orders of magnitude tighter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/train/backprop.h"
#include "ckernel/engine/train/trainer.h"

namespace ck::train {
namespace {

constexpr double kFactor = 8.0;
constexpr double kFloor = 4e-7;

struct Reference {
  std::unique_ptr<GgufFile> file;
  ModelConfig config;
  int64_t batch = 0, seq = 0;
  std::vector<int32_t> tokens;

  std::span<const float> tensor(const std::string& name) const {
    const GgufTensorInfo* t = file->find_tensor(name);
    if (t == nullptr) throw std::runtime_error("reference has no tensor " + name);
    return {reinterpret_cast<const float*>(t->data), static_cast<size_t>(t->n_elements())};
  }
};

Reference load_reference(const std::string& name) {
  Reference r;
  r.file = GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/train/" + name + ".gguf");
  const GgufFile& f = *r.file;
  ModelConfig& c = r.config;
  c.architecture = std::string(f.require_string("ref.architecture"));
  c.name = name;
  c.n_vocab = static_cast<int64_t>(f.require_uint("ref.n_vocab"));
  c.n_embd = static_cast<int64_t>(f.require_uint("ref.n_embd"));
  c.n_layer = static_cast<int64_t>(f.require_uint("ref.n_layer"));
  c.n_head = static_cast<int64_t>(f.require_uint("ref.n_head"));
  c.n_head_kv = static_cast<int64_t>(f.require_uint("ref.n_head_kv"));
  c.head_dim = static_cast<int64_t>(f.require_uint("ref.head_dim"));
  c.n_ff = static_cast<int64_t>(f.require_uint("ref.n_ff"));
  c.rms_eps = static_cast<float>(*f.get_float("ref.rms_eps"));
  c.rope.n_dims = static_cast<int64_t>(f.require_uint("ref.rope_n_dims"));
  c.rope.neox = c.architecture == "qwen2";
  c.rope.freq_base = static_cast<float>(*f.get_float("ref.rope_freq_base"));
  c.tied_output = *f.get_bool("ref.tied");
  r.batch = static_cast<int64_t>(f.require_uint("ref.batch"));
  r.seq = static_cast<int64_t>(f.require_uint("ref.seq"));
  c.n_ctx_train = r.seq;
  const GgufTensorInfo* tokens = f.find_tensor("input.tokens");
  const auto* ids = reinterpret_cast<const int32_t*>(tokens->data);
  r.tokens.assign(ids, ids + tokens->n_elements());
  return r;
}

ParameterBuffer initial_parameters(const Reference& r, const ParameterLayout& layout) {
  ParameterBuffer p(layout.total());
  for (const ParameterTensor& t : layout.tensors()) {
    std::span<const float> v = r.tensor(t.name);
    EXPECT_EQ(static_cast<int64_t>(v.size()), t.size()) << t.name;
    std::copy(v.begin(), v.end(), p.tensor(t).begin());
  }
  return p;
}

// Compares one tensor as the file comment says; returns the error ratio for the report.
void expect_close(const Reference& r, const std::string& what, std::span<const float> ours) {
  std::span<const float> ref64 = r.tensor("ref64." + what), ref32 = r.tensor("ref32." + what);
  ASSERT_EQ(ours.size(), ref64.size()) << what;
  double ref_max = 0, torch32_error = 0, our_error = 0;
  size_t worst = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    ref_max = std::max(ref_max, std::fabs(double(ref64[i])));
    torch32_error = std::max(torch32_error, std::fabs(double(ref32[i]) - ref64[i]));
    const double e = std::fabs(double(ours[i]) - ref64[i]);
    if (e > our_error) our_error = e, worst = i;
  }
  const double bound = kFactor * torch32_error + kFloor * ref_max;
  EXPECT_LE(our_error, bound) << r.config.name << " " << what << ": max |ckernel - torch64| " << our_error
                              << " at element " << worst << " (ckernel " << ours[worst] << ", torch64 "
                              << ref64[worst] << "), torch32's error " << torch32_error << ", largest value "
                              << ref_max;
}

class TorchReference : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchReference, LogitsLossAndGradients) {
  const Reference r = load_reference(GetParam());
  const ParameterLayout layout(r.config);
  const ParameterBuffer parameters = initial_parameters(r, layout);
  kernels::ThreadPool pool(2);
  Backprop backprop(r.config, r.batch, r.seq);

  const double eval_loss = backprop.loss(parameters, r.tokens, pool);
  expect_close(r, "logits", backprop.logits());
  ParameterBuffer gradients(layout.total());
  const float grad_scale = 1.0f / static_cast<float>(r.batch * r.seq);
  const double loss = backprop.forward_backward(parameters, r.tokens, grad_scale, gradients, pool);
  EXPECT_EQ(loss, eval_loss) << "evaluation and training compute the same forward pass";
  const float loss_f = static_cast<float>(loss);
  expect_close(r, "loss", std::span<const float>(&loss_f, 1));
  for (const ParameterTensor& t : layout.tensors()) expect_close(r, "grad." + t.name, gradients.tensor(t));
}

TEST_P(TorchReference, TenAdamWSteps) {
  const Reference r = load_reference(GetParam());
  const GgufFile& f = *r.file;
  TrainOptions o;
  o.batch = r.batch;
  o.context = r.seq;
  o.threads = 2;
  o.clip = 0;
  o.adamw = {*f.get_float("ref.adamw.beta1"), *f.get_float("ref.adamw.beta2"), *f.get_float("ref.adamw.eps"),
             *f.get_float("ref.adamw.weight_decay")};
  o.schedule.kind = ScheduleKind::constant;
  o.schedule.lr = *f.get_float("ref.adamw.lr");
  const auto steps = static_cast<int>(f.require_uint("ref.adamw.steps"));
  const ParameterLayout layout(r.config);
  Trainer trainer(r.config, initial_parameters(r, layout), o);
  const BatchSource same_batch = [&](std::span<int32_t> out) { std::copy(r.tokens.begin(), r.tokens.end(), out.begin()); };
  std::vector<float> losses;
  for (int i = 0; i < steps; ++i) losses.push_back(static_cast<float>(trainer.step(same_batch).loss));
  expect_close(r, "losses10", losses);
  for (const ParameterTensor& t : layout.tensors())
    expect_close(r, "step10." + t.name, trainer.parameters().tensor(t));
}

INSTANTIATE_TEST_SUITE_P(Configurations, TorchReference,
                         ::testing::Values("llama-gqa", "llama-tied", "qwen2-gqa", "qwen2-tied", "llama-partial-rope"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace ck::train
