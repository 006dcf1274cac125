#include "throughput.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "ckernel/engine/session.h"

namespace ck::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Random tokens (fixed seed), as llama-bench feeds: the content does not change the work.
std::vector<TokenId> random_tokens(int64_t count, int64_t n_vocab) {
  std::mt19937 generator(42);
  std::uniform_int_distribution<TokenId> token(0, static_cast<TokenId>(n_vocab - 1));
  std::vector<TokenId> tokens(static_cast<size_t>(count));
  for (TokenId& t : tokens) t = token(generator);
  return tokens;
}

double tokens_per_second(int64_t tokens, Clock::time_point start) {
  return static_cast<double>(tokens) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

double Samples::mean() const {
  if (tokens_per_second.empty()) return 0;
  return std::accumulate(tokens_per_second.begin(), tokens_per_second.end(), 0.0) /
         static_cast<double>(tokens_per_second.size());
}

double Samples::stddev() const {
  if (tokens_per_second.size() < 2) return 0;
  const double m = mean();
  double squares = 0;
  for (double x : tokens_per_second) squares += (x - m) * (x - m);
  return std::sqrt(squares / static_cast<double>(tokens_per_second.size() - 1));
}

int64_t session_context(const ThroughputOptions& o) {
  return std::max<int64_t>(1, std::max(o.n_prompt, o.n_gen));
}

Throughput measure_throughput(std::shared_ptr<const Model> model, const ThroughputOptions& o) {
  const std::vector<TokenId> tokens = random_tokens(std::max(o.n_prompt, o.n_gen), model->config().n_vocab);
  Session session(model, SessionOptions{.n_ctx = session_context(o),
                                        .n_threads = o.threads,
                                        .n_batch = o.n_batch,
                                        .allocator = o.allocator});
  const std::span<const TokenId> all(tokens);
  Throughput result;
  for (int run = 0; run <= o.repetitions; ++run) {
    const bool warm_up = run == 0;
    if (o.n_prompt > 0) {
      session.reset();
      const auto start = Clock::now();
      session.eval(all.first(static_cast<size_t>(o.n_prompt)));
      if (!warm_up) result.prompt.tokens_per_second.push_back(tokens_per_second(o.n_prompt, start));
    }
    if (o.n_gen > 0) {
      session.reset();
      const auto start = Clock::now();
      for (int64_t i = 0; i < o.n_gen; ++i) session.eval(all.subspan(static_cast<size_t>(i), 1));
      if (!warm_up) result.generation.tokens_per_second.push_back(tokens_per_second(o.n_gen, start));
    }
  }
  return result;
}

}  // namespace ck::bench
