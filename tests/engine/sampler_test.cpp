// Sampling: greedy picks the best logit, the filters keep what they promise, and a seed fixes the draws.
#include "ckernel/engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace ck {
namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.5f, -1.0f, 3.0f, 0.5f};

TEST(Sampler, GreedyTakesTheLargestLogitAndTheLowerIdOnTies) {
  Sampler s(SamplingParams{.temperature = 0});
  EXPECT_EQ(s.sample(kLogits), 1);  // ids 1 and 4 tie at 3.0
}

TEST(Sampler, TopKOfOneIsGreedy) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Sampler s(SamplingParams{.temperature = 1.5f, .top_k = 1, .seed = seed});
    EXPECT_EQ(s.sample(kLogits), 1);
  }
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  auto draw = [](uint64_t seed) {
    Sampler s(SamplingParams{.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .seed = seed});
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) out.push_back(s.sample(kLogits));
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(Sampler, DrawsFollowTheSoftmax) {
  Sampler s(SamplingParams{.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .seed = 1});
  std::map<TokenId, int> counts;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) ++counts[s.sample(kLogits)];
  double z = 0;
  for (float l : kLogits) z += std::exp(l);
  for (size_t id = 0; id < kLogits.size(); ++id) {
    const double expected = std::exp(kLogits[id]) / z;
    EXPECT_NEAR(counts[static_cast<TokenId>(id)] / double(kDraws), expected, 0.015) << "token " << id;
  }
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities at temperature 1: ids 1 and 4 hold about 0.33 each, id 2 about 0.20.
  Sampler s(SamplingParams{.temperature = 1.0f, .top_k = 0, .top_p = 0.5f, .min_p = 0.0f, .seed = 3});
  for (int i = 0; i < 500; ++i) {
    const TokenId t = s.sample(kLogits);
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
}

TEST(Sampler, MinPDropsTokensFarBelowTheBest) {
  // exp(2.5 - 3) = 0.61 of the best survives min_p 0.5; exp(1 - 3) = 0.14 does not.
  Sampler s(SamplingParams{.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.5f, .seed = 5});
  for (int i = 0; i < 500; ++i) {
    const TokenId t = s.sample(kLogits);
    EXPECT_TRUE(t == 1 || t == 2 || t == 4) << t;
  }
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
  Sampler s(SamplingParams{.temperature = 0, .repeat_penalty = 2.0f, .repeat_last_n = 4});
  s.accept(1);
  s.accept(4);
  EXPECT_EQ(s.sample(kLogits), 2);          // 3.0 / 2 = 1.5 < 2.5
  for (int i = 0; i < 4; ++i) s.accept(0);  // 1 and 4 leave the window
  EXPECT_EQ(s.sample(kLogits), 1);
}

TEST(TopLogits, BestFirstWithTiesByLowerId) {
  const auto top = top_logits(kLogits, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], (std::pair<TokenId, float>{1, 3.0f}));
  EXPECT_EQ(top[1], (std::pair<TokenId, float>{4, 3.0f}));
  EXPECT_EQ(top[2], (std::pair<TokenId, float>{2, 2.5f}));
  EXPECT_EQ(top_logits(kLogits, 100).size(), kLogits.size());
}

}  // namespace
}  // namespace ck
