#include "ckernel/engine/sampler.h"

#include <algorithm>
#include <cmath>

namespace ck {
namespace {

// Higher logit first; equal logits by lower id, so the order never depends on the sort.
bool better(const std::pair<float, TokenId>& a, const std::pair<float, TokenId>& b) {
  return a.first != b.first ? a.first > b.first : a.second < b.second;
}

}  // namespace

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

double Sampler::uniform() {
  // 53 random bits -> [0, 1); defined by mt19937_64's output alone, unlike std::uniform_real_distribution.
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void Sampler::accept(TokenId token) {
  if (params_.repeat_last_n <= 0) return;
  recent_.push_back(token);
  while (recent_.size() > static_cast<size_t>(params_.repeat_last_n)) recent_.pop_front();
}

TokenId Sampler::sample(std::span<const float> logits) {
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) candidates_[i] = {logits[i], static_cast<TokenId>(i)};
  if (params_.repeat_penalty != 1.0f) {
    std::vector<TokenId> seen(recent_.begin(), recent_.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (TokenId t : seen) {
      if (t < 0 || static_cast<size_t>(t) >= candidates_.size()) continue;
      float& l = candidates_[static_cast<size_t>(t)].first;
      l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    }
  }
  if (params_.temperature <= 0)
    return std::min_element(candidates_.begin(), candidates_.end(), better)->second;

  size_t n = candidates_.size();
  if (params_.top_k > 0) n = std::min(n, static_cast<size_t>(params_.top_k));
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates_.end(), better);

  // Probabilities of the kept candidates at temperature 1, for top-p and min-p.
  const float max = candidates_[0].first;
  std::vector<double> probs(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += probs[i] = std::exp(static_cast<double>(candidates_[i].first - max));
  if (params_.top_p < 1.0f) {
    double cumulative = 0;
    for (size_t i = 0; i < n; ++i) {
      cumulative += probs[i] / sum;
      if (cumulative >= params_.top_p) {
        n = i + 1;
        break;
      }
    }
  }
  if (params_.min_p > 0) {
    size_t keep = 1;
    while (keep < n && probs[keep] >= params_.min_p * probs[0]) ++keep;
    n = keep;
  }

  double total = 0;
  for (size_t i = 0; i < n; ++i)
    total += probs[i] = std::exp(static_cast<double>(candidates_[i].first - max) / params_.temperature);
  double target = uniform() * total;
  for (size_t i = 0; i < n; ++i) {
    target -= probs[i];
    if (target < 0) return candidates_[i].second;
  }
  return candidates_[n - 1].second;
}

std::vector<std::pair<TokenId, float>> top_logits(std::span<const float> logits, int k) {
  if (k <= 0) return {};  // the common case in generation: nothing to rank, no copy of the vocabulary
  std::vector<std::pair<float, TokenId>> all(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) all[i] = {logits[i], static_cast<TokenId>(i)};
  const size_t n = std::min(all.size(), static_cast<size_t>(k));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), better);
  std::vector<std::pair<TokenId, float>> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = {all[i].second, all[i].first};
  return out;
}

}  // namespace ck
