// ckquantize's two jobs on real files: a synthesized model loads in the engine and generates, with the
// tensor types of its file type; requantizing the team's F16 model gives every tensor the type
// llama-quantize gave it in the team's quantized files (the _M mixtures included).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "ckernel/engine/generate.h"
#include "ckernel/engine/gguf.h"
#include "requantize.h"
#include "synthesize.h"

namespace ck::quantize {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ckquantize_test_" + name)).string();
}

TEST(Synthesize, WritesALlamaModelTheEngineRuns) {
  SynthesisOptions o{.vocab_path = std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf",
                     .out_path = temp_path("synth.gguf"),
                     .shape = {.n_embd = 256,
                               .n_layer = 2,
                               .n_head = 4,
                               .n_head_kv = 2,
                               .n_ff = 512,
                               .n_ctx = 128,
                               .tied = false},
                     .seed = 7,
                     .file_type = *parse_file_type("q4_k_m")};
  synthesize(o);
  const auto model = Model::load(o.out_path);
  std::filesystem::remove(o.out_path);
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.n_vocab, 32000);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_FALSE(c.tied_output);
  EXPECT_EQ(model->file().find_tensor("output.weight")->type, kernels::TensorType::q6_k);
  EXPECT_EQ(model->file().find_tensor("token_embd.weight")->type, kernels::TensorType::q4_k);
  EXPECT_EQ(model->file().find_tensor("blk.0.attn_v.weight")->type, kernels::TensorType::q4_k);
  EXPECT_EQ(model->file().find_tensor("blk.1.attn_v.weight")->type,
            kernels::TensorType::q6_k);  // the last eighth
  EXPECT_EQ(model->file().find_tensor("blk.0.attn_q.weight")->type, kernels::TensorType::q4_k);
  EXPECT_EQ(model->file().find_tensor("blk.0.attn_norm.weight")->type, kernels::TensorType::f32);

  Session session(model, SessionOptions{.n_ctx = 32});
  const GenerationResult r = generate(session, "Once upon a time", GenerationOptions{.n_predict = 6});
  EXPECT_EQ(r.steps.size(), 6u);
}

TEST(Synthesize, RefusesAnInconsistentShape) {
  SynthesisOptions o{.vocab_path = std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf",
                     .out_path = temp_path("bad.gguf"),
                     .shape = {.n_embd = 256, .n_layer = 24, .n_head = 3, .n_head_kv = 4, .n_ff = 2816,
                               .n_ctx = 4096, .tied = true},
                     .file_type = *parse_file_type("Q8_0")};
  try {
    synthesize(o);
    FAIL() << "3 heads do not divide 256";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--embd 256 is not a multiple of --heads 3");
  }
  EXPECT_FALSE(std::filesystem::exists(o.out_path));
}

class RequantizeLikeLlamaQuantize : public ::testing::TestWithParam<const char*> {};

TEST_P(RequantizeLikeLlamaQuantize, GivesEveryTensorTheSameType) {
  const std::string source = std::string(CK_SHARED_DIR) + "/models/tiny-llama-F16.gguf";
  const std::string reference = std::string(CK_SHARED_DIR) + "/models/tiny-llama-" + GetParam() + ".gguf";
  if (!std::filesystem::exists(source) || !std::filesystem::exists(reference))
    GTEST_SKIP() << "needs the team's models " << source << " and " << reference;
  const std::string out = temp_path(std::string(GetParam()) + ".gguf");
  requantize(source, out, *parse_file_type(GetParam()));
  const auto ours = GgufFile::open(out);
  const auto theirs = GgufFile::open(reference);
  std::filesystem::remove(out);
  EXPECT_EQ(ours->get_uint("general.file_type"), theirs->get_uint("general.file_type"));
  ASSERT_EQ(ours->tensors().size(), theirs->tensors().size());
  for (const GgufTensorInfo& t : theirs->tensors()) {
    const GgufTensorInfo* mine = ours->find_tensor(t.name);
    ASSERT_NE(mine, nullptr) << t.name;
    EXPECT_EQ(mine->type, t.type) << t.name;
    EXPECT_EQ(mine->ne, t.ne) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, RequantizeLikeLlamaQuantize,
                         ::testing::Values("BF16", "Q8_0", "Q4_0", "Q5_0", "Q5_1", "Q4_K_M", "Q5_K_M",
                                           "Q6_K"));

}  // namespace
}  // namespace ck::quantize
