// Logits must be bitwise identical whatever the thread count, and whatever the prompt's split into
// batches as long as no batch is a single token: a single token rounds like llama.cpp's decode, a batch
// like its prompt processing, and both are reproduced exactly; work is split by output rows and heads,
// so each value is always computed by the same code in the same order.
#include <gtest/gtest.h>

#include <cstring>

#include "ckernel/engine/model.h"
#include "ckernel/engine/session.h"

namespace ck {
namespace {

using Logits = std::vector<std::vector<float>>;

Logits logits_per_step(const std::shared_ptr<const Model>& model, int threads, int64_t batch) {
  Session session(model, SessionOptions{.n_ctx = 128, .n_threads = threads, .n_batch = batch});
  const std::vector<TokenId> prompt =
      model->tokenizer().encode("The capital of France is, of course, Paris", true, true);
  Logits out;
  session.eval(prompt);
  for (TokenId next : {100, 200, 300, 400}) {
    out.emplace_back(session.logits().begin(), session.logits().end());
    session.eval({&next, 1});
  }
  out.emplace_back(session.logits().begin(), session.logits().end());
  return out;
}

void expect_bitwise_equal(const Logits& a, const Logits& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t step = 0; step < a.size(); ++step)
    EXPECT_EQ(0, std::memcmp(a[step].data(), b[step].data(), a[step].size() * sizeof(float)))
        << what << ", step " << step;
}

class Determinism : public ::testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<const Model> model_ = Model::load(std::string(CK_TEST_DATA_DIR) + "/models/" + GetParam());
};

TEST_P(Determinism, LogitsBitwiseEqualAcrossThreadCounts) {
  const Logits reference = logits_per_step(model_, 1, 512);
  for (int threads : {2, 3})
    expect_bitwise_equal(logits_per_step(model_, threads, 512), reference,
                         std::to_string(threads) + " threads");
}

TEST_P(Determinism, PromptBatchesOfTwoOrMoreTokensAgree) {
  const size_t n_prompt =
      model_->tokenizer().encode("The capital of France is, of course, Paris", true, true).size();
  ASSERT_GE(n_prompt, 6u);
  const Logits reference = logits_per_step(model_, 2, 512);
  for (int64_t batch : {2, 3, 4}) {
    if (n_prompt % static_cast<size_t>(batch) == 1) continue;  // would leave a single-token batch
    expect_bitwise_equal(logits_per_step(model_, 2, batch), reference, "batch " + std::to_string(batch));
  }
}

INSTANTIATE_TEST_SUITE_P(RepositoryModels, Determinism,
                         ::testing::Values("tiny-llama-Q4_K_M.gguf", "tiny-qwen2-Q4_K_M.gguf"));

}  // namespace
}  // namespace ck
