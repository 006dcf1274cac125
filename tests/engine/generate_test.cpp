// Generation on a real model: forced tokens are fed as given, greedy runs reproduce, the context limit
// and bad tokens are reported, and sessions do not disturb each other.
#include "ckernel/engine/generate.h"

#include <gtest/gtest.h>

namespace ck {
namespace {

class Generate : public ::testing::Test {
 protected:
  std::shared_ptr<const Model> model_ =
      Model::load(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
};

TEST_F(Generate, GreedyIsReproducibleAndStreamsEveryStep) {
  Session session(model_, SessionOptions{.n_ctx = 64});
  GenerationOptions options{.n_predict = 8, .sampling = {.temperature = 0}, .top_logits = 3};
  std::string streamed;
  const GenerationResult a = generate(session, "Once upon a time", options, [&](const GenerationStep& s) {
    streamed += s.piece;
    return true;
  });
  const GenerationResult b = generate(session, "Once upon a time", options);
  ASSERT_EQ(a.steps.size(), 8u);
  EXPECT_EQ(streamed, a.text);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.prompt_tokens, (std::vector<TokenId>{1, 9038, 2501, 263, 931}));  // from llama.cpp's fixture
  for (const GenerationStep& s : a.steps) {
    ASSERT_EQ(s.top.size(), 3u);
    EXPECT_EQ(s.token, s.top[0].first);  // greedy
  }
}

TEST_F(Generate, ForcedTokensAreFedEvenPastEndOfGeneration) {
  Session session(model_, SessionOptions{.n_ctx = 64});
  const TokenId eos = *model_->tokenizer().eos();
  GenerationOptions options{.n_predict = 4, .forced_tokens = {100, eos, 200, 300}, .render_special = true};
  const GenerationResult r = generate(session, "Hello", options);
  ASSERT_EQ(r.steps.size(), 4u);
  EXPECT_EQ(r.steps[1].token, eos);
  EXPECT_EQ(r.steps[1].piece, "</s>");
  EXPECT_EQ(r.stop_reason, StopReason::length);
}

TEST_F(Generate, CallbackCanCancel) {
  Session session(model_, SessionOptions{.n_ctx = 64});
  int calls = 0;
  const GenerationResult r = generate(session, "Hello", GenerationOptions{.n_predict = 10},
                                      [&](const GenerationStep&) { return ++calls < 3; });
  EXPECT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.stop_reason, StopReason::cancelled);
}

TEST_F(Generate, StopsWhenTheContextIsFull) {
  Session session(model_, SessionOptions{.n_ctx = 8});
  const GenerationResult r = generate(session, "Once upon a time", GenerationOptions{.n_predict = 20});
  EXPECT_EQ(r.stop_reason, StopReason::context_full);
  EXPECT_EQ(session.n_past(), 8);
}

TEST_F(Generate, BadTokensAndOverflowAreSessionErrors) {
  Session session(model_, SessionOptions{.n_ctx = 4});
  const std::vector<TokenId> bad = {1, 32000};
  EXPECT_THROW(session.eval(bad), SessionError);
  const std::vector<TokenId> five = {1, 2, 3, 4, 5};
  EXPECT_THROW(session.eval(five), SessionError);
  EXPECT_EQ(session.n_past(), 0);  // nothing was fed
}

TEST_F(Generate, SessionsAreIndependent) {
  Session a(model_, SessionOptions{.n_ctx = 64}), b(model_, SessionOptions{.n_ctx = 64});
  const GenerationOptions options{.n_predict = 6, .sampling = {.temperature = 0}};
  const std::string alone = generate(a, "The capital of France is", options).text;
  generate(b, "int main(void) {", options);
  EXPECT_EQ(generate(a, "The capital of France is", options).text, alone);
}

// The stop reasons' names are the engine's one set, which ckd's D-Bus API reports too: fixed, distinct,
// and read back to the same reason; nothing else reads as a reason.
TEST(StopReasonNames, AreFixedDistinctAndReadBack) {
  EXPECT_EQ(stop_reason_name(StopReason::length), "length");
  EXPECT_EQ(stop_reason_name(StopReason::end_of_generation), "eos");
  EXPECT_EQ(stop_reason_name(StopReason::context_full), "context");
  EXPECT_EQ(stop_reason_name(StopReason::cancelled), "cancelled");
  for (const StopReason reason : kAllStopReasons)
    EXPECT_EQ(parse_stop_reason(stop_reason_name(reason)), reason);
  EXPECT_EQ(parse_stop_reason("end_of_generation"), std::nullopt);
  EXPECT_EQ(parse_stop_reason("stop"), std::nullopt);
  EXPECT_EQ(parse_stop_reason(""), std::nullopt);
}

// ckrun's and every other front end's sampling defaults are these, written once in SamplingParams
// (llama.cpp's defaults).
TEST(SamplingDefaults, AreLlamaCppsDefaultChain) {
  const SamplingParams defaults;
  EXPECT_EQ(defaults.temperature, 0.8f);
  EXPECT_EQ(defaults.top_k, 40);
  EXPECT_EQ(defaults.top_p, 0.95f);
  EXPECT_EQ(defaults.min_p, 0.05f);
  EXPECT_EQ(defaults.repeat_penalty, 1.0f);
  EXPECT_EQ(defaults.repeat_last_n, 64);
  EXPECT_EQ(GenerationOptions{}.n_predict, 128);
}

}  // namespace
}  // namespace ck
