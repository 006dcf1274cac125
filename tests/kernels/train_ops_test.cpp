// Each training op against a double-precision reference written here: the forward within a stated
// tolerance, the backward against central differences of the double forward of sum(dy * y) (dy random).
//
// Tolerances. A float op's result is a short chain of roundings (2^-24 relative each) plus sums of at most
// a few hundred terms, whose error is below (terms * 2^-24) times the sum of the terms' magnitudes. The
// checks bound the error by a multiple of the largest element (expect_near_all, expect_gradient), which
// bounds every term here; the multiples leave about a factor 10 over the worst case of the shapes used.
#include "ckernel/kernels/train_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/kernels/thread_pool.h"
#include "train_test_util.h"

namespace ck::kernels::train {
namespace {

using test::expect_gradient;
using test::expect_near_all;
using test::random_floats;
using test::to_double;
using test::weighted_sum;
using Doubles = std::vector<double>;

// ---- embedding ----

TEST(TrainOps, EmbeddingGathersRowsAndAddsGradientsOfRepeatedTokens) {
  std::mt19937 rng(1);
  ThreadPool pool(2);
  const int64_t vocab = 5, dim = 70, rows = 9;
  const std::vector<int32_t> tokens = {3, 0, 3, 4, 1, 3, 0, 2, 4};
  const std::vector<float> table = random_floats(rng, vocab * dim);
  std::vector<float> out(rows * dim);
  embedding_forward(table.data(), tokens.data(), rows, dim, out.data(), pool);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < dim; ++c) ASSERT_EQ(out[r * dim + c], table[tokens[r] * dim + c]);

  // Linear: the gradient is exact in double; the float sums add at most 3 terms per table row.
  const std::vector<float> dout = random_floats(rng, rows * dim), dtable0 = random_floats(rng, vocab * dim);
  std::vector<float> dtable = dtable0;
  embedding_backward(tokens.data(), rows, dim, dout.data(), dtable.data(), pool);
  Doubles want = to_double(dtable0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < dim; ++c) want[tokens[r] * dim + c] += dout[r * dim + c];
  expect_near_all(want, dtable, 4 * 0x1p-24, "embedding_backward");
}

TEST(TrainOps, EmbeddingRejectsNegativeTokens) {
  ThreadPool pool(1);
  const std::vector<float> table(8);
  const std::vector<int32_t> tokens = {1, -1};
  std::vector<float> out(8);
  EXPECT_THROW(embedding_forward(table.data(), tokens.data(), 2, 4, out.data(), pool), std::invalid_argument);
  EXPECT_THROW(embedding_backward(tokens.data(), 2, 4, table.data(), out.data(), pool),
               std::invalid_argument);
}

// ---- RMSNorm ----

Doubles rms_norm_ref(const Doubles& x, const Doubles& w, int64_t rows, int64_t n, double eps, Doubles* rstd) {
  Doubles y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += x[r * n + i] * x[r * n + i];
    const double s = 1 / std::sqrt(ss / static_cast<double>(n) + eps);
    if (rstd != nullptr) (*rstd)[r] = s;
    for (int64_t i = 0; i < n; ++i) y[r * n + i] = x[r * n + i] * s * w[i];
  }
  return y;
}

TEST(TrainOps, RmsNormForwardAndGradients) {
  std::mt19937 rng(2);
  ThreadPool pool(3);
  const float eps = 1e-5f;
  // Not n = 1: there y = w * x / sqrt(x^2 + eps) is flat but for eps, and dx is the near-total
  // cancellation of two terms of order 1 / |x|, right only to 2^-24 of those.
  for (int64_t n : {2, 5, 16, 33, 300})
    for (int64_t rows : {1, 4}) {
      const std::string what = "rms_norm n " + std::to_string(n) + " rows " + std::to_string(rows);
      const std::vector<float> x = random_floats(rng, rows * n), w = random_floats(rng, n, 0.5f, 1.5f);
      std::vector<float> y(rows * n), rstd(rows);
      rms_norm_forward(x.data(), w.data(), rows, n, eps, y.data(), rstd.data(), pool);
      Doubles rstd_ref(rows);
      const Doubles y_ref = rms_norm_ref(to_double(x), to_double(w), rows, n, eps, &rstd_ref);
      // rstd: a double sum of float-lane sums, then one rounding; y: two more roundings.
      expect_near_all(rstd_ref, rstd, 1e-6, what + " rstd");
      expect_near_all(y_ref, y, 2e-6, what + " y");

      const std::vector<float> dy = random_floats(rng, rows * n);
      const std::vector<float> dx0 = random_floats(rng, rows * n), dw0 = random_floats(rng, n);
      std::vector<float> dx = dx0, dw = dw0;
      rms_norm_backward(x.data(), w.data(), rstd.data(), dy.data(), rows, n, dx.data(), dw.data(), pool);
      // Both gradients were added to: take the old values off (exactly enough: 2^-24 of |dx0| <= 1).
      std::vector<float> dx_added(dx.size()), dw_added(dw.size());
      for (size_t i = 0; i < dx.size(); ++i) dx_added[i] = static_cast<float>(double(dx[i]) - double(dx0[i]));
      for (size_t i = 0; i < dw.size(); ++i) dw_added[i] = static_cast<float>(double(dw[i]) - double(dw0[i]));
      const Doubles dyd = to_double(dy), xd = to_double(x), wd = to_double(w);
      // 1e-4: the rounding of the accumulators (|dx0| up to 1 beside gradients of order 1) dominates.
      expect_gradient(
          [&](const Doubles& xv) { return weighted_sum(dyd, rms_norm_ref(xv, wd, rows, n, eps, nullptr)); },
          xd, dx_added, 1e-4, what + " dx", rng);
      expect_gradient(
          [&](const Doubles& wv) { return weighted_sum(dyd, rms_norm_ref(xd, wv, rows, n, eps, nullptr)); },
          wd, dw_added, 1e-4, what + " dw", rng);
    }
}

// ---- bias and residual ----

TEST(TrainOps, BiasAddAndGradient) {
  std::mt19937 rng(3);
  ThreadPool pool(2);
  const int64_t rows = 7, n = 150;
  const std::vector<float> y0 = random_floats(rng, rows * n), bias = random_floats(rng, n);
  std::vector<float> y = y0;
  add_bias(y.data(), bias.data(), rows, n, pool);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) ASSERT_EQ(y[r * n + c], y0[r * n + c] + bias[c]);
  const std::vector<float> dy = random_floats(rng, rows * n), db0 = random_floats(rng, n);
  std::vector<float> db = db0;
  bias_backward(dy.data(), rows, n, db.data(), pool);
  Doubles want = to_double(db0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) want[c] += dy[r * n + c];
  expect_near_all(want, db, 8 * 0x1p-24, "bias_backward");  // 8 float additions of terms below 1
}

TEST(TrainOps, AddIntoIsOneRoundedAddition) {
  std::mt19937 rng(4);
  ThreadPool pool(3);
  const int64_t n = 40000;  // several chunks
  const std::vector<float> x = random_floats(rng, n), y0 = random_floats(rng, n);
  std::vector<float> y = y0;
  add_into(y.data(), x.data(), n, pool);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], static_cast<float>(double(y0[i]) + double(x[i])));
}

// ---- RoPE ----

Doubles rope_ref(Doubles x, int64_t rows, int64_t n_heads, int64_t head_dim, int64_t n_dims, bool neox,
                 double base, double freq_scale, int64_t n_positions, double sign) {
  const int64_t half = n_dims / 2;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t h = 0; h < n_heads; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double angle = sign * static_cast<double>(r % n_positions) * freq_scale *
                             std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(n_dims));
        double* v = x.data() + (r * n_heads + h) * head_dim;
        const int64_t i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
        const double a = v[i0], b = v[i1];
        v[i0] = a * std::cos(angle) - b * std::sin(angle);
        v[i1] = a * std::sin(angle) + b * std::cos(angle);
      }
  return x;
}

TEST(TrainOps, RopeBothModesAndPartialRotation) {
  std::mt19937 rng(5);
  ThreadPool pool(2);
  const float base = 10000.0f, freq_scale = 0.5f;
  for (bool neox : {false, true})
    for (int64_t head_dim : {8, 12})
      for (int64_t n_dims : {head_dim, head_dim - 4}) {
        const std::string what = std::string(neox ? "neox" : "adjacent") + " head_dim " +
                                 std::to_string(head_dim) + " n_dims " + std::to_string(n_dims);
        const int64_t seq = 9, batch = 2, rows = batch * seq, n_heads = 3;
        std::vector<float> cos_sin(seq * n_dims);
        rope_table(n_dims, base, freq_scale, seq, cos_sin.data());
        for (int64_t p = 0; p < seq; ++p)
          for (int64_t i = 0; i < n_dims / 2; ++i) {
            const double angle = p * double(freq_scale) * std::pow(double(base), -2.0 * i / n_dims);
            ASSERT_NEAR(cos_sin[p * n_dims + i], std::cos(angle), 0x1p-24) << what;
            ASSERT_NEAR(cos_sin[p * n_dims + n_dims / 2 + i], std::sin(angle), 0x1p-24) << what;
          }
        const RopeTable table{n_dims, neox, seq, cos_sin.data()};
        const std::vector<float> x0 = random_floats(rng, rows * n_heads * head_dim);
        std::vector<float> x = x0;
        rope_forward(x.data(), rows, n_heads, head_dim, table, pool);
        // Table entries carry one rounding, the rotation three: a few 2^-24 of |x|.
        const Doubles y_ref =
            rope_ref(to_double(x0), rows, n_heads, head_dim, n_dims, neox, base, freq_scale, seq, 1.0);
        expect_near_all(y_ref, x, 4e-7, what + " forward");
        for (int64_t r = 0; r < rows; ++r)  // the elements from n_dims on are left alone
          for (int64_t h = 0; h < n_heads; ++h)
            for (int64_t i = n_dims; i < head_dim; ++i)
              ASSERT_EQ(x[(r * n_heads + h) * head_dim + i], x0[(r * n_heads + h) * head_dim + i]) << what;

        const std::vector<float> dy = random_floats(rng, x.size());
        std::vector<float> dx = dy;
        rope_backward(dx.data(), rows, n_heads, head_dim, table, pool);
        const Doubles dyd = to_double(dy);
        expect_gradient(
            [&](const Doubles& xv) {
              return weighted_sum(
                  dyd, rope_ref(xv, rows, n_heads, head_dim, n_dims, neox, base, freq_scale, seq, 1.0));
            },
            to_double(x0), dx, 1e-6, what + " backward", rng);
      }
}

// ---- SwiGLU ----

Doubles swiglu_ref(const Doubles& g, const Doubles& u) {
  Doubles h(g.size());
  for (size_t i = 0; i < g.size(); ++i) h[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
  return h;
}

TEST(TrainOps, SwigluForwardAndGradients) {
  std::mt19937 rng(6);
  ThreadPool pool(2);
  for (int64_t n : {1, 15, 16, 17, 100}) {
    const std::string what = "swiglu n " + std::to_string(n);
    const std::vector<float> g = random_floats(rng, n, -8.0f, 8.0f), u = random_floats(rng, n);
    std::vector<float> h(n);
    swiglu_forward(g.data(), u.data(), n, h.data(), pool);
    const Doubles gd = to_double(g), ud = to_double(u);
    const Doubles h_ref = swiglu_ref(gd, ud);
    // exp within 1 ulp, then four roundings: 6 ulp relative to each element.
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(h[i], h_ref[i], 6 * 0x1p-24 * std::abs(h_ref[i]) + 1e-38) << what;

    const std::vector<float> dh = random_floats(rng, n);
    std::vector<float> dg(n), du(n);
    swiglu_backward(g.data(), u.data(), dh.data(), n, dg.data(), du.data(), pool);
    const Doubles dhd = to_double(dh);
    expect_gradient([&](const Doubles& gv) { return weighted_sum(dhd, swiglu_ref(gv, ud)); }, gd, dg, 1e-5,
                    what + " dgate", rng);
    expect_gradient([&](const Doubles& uv) { return weighted_sum(dhd, swiglu_ref(gd, uv)); }, ud, du, 1e-6,
                    what + " dup", rng);
  }
}

// ---- attention ----

Doubles attention_ref(const AttentionShape& s, const Doubles& q, const Doubles& k, const Doubles& v,
                      Doubles* probs) {
  const int64_t d = s.head_dim, group = s.n_head / s.n_head_kv;
  Doubles out(q.size());
  std::vector<double> w(s.seq);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.n_head; ++h)
      for (int64_t t = 0; t < s.seq; ++t) {
        const double* qr = q.data() + ((b * s.seq + t) * s.n_head + h) * d;
        double max = -1e300;
        for (int64_t j = 0; j <= t; ++j) {
          const double* kr = k.data() + ((b * s.seq + j) * s.n_head_kv + h / group) * d;
          double dot = 0;
          for (int64_t c = 0; c < d; ++c) dot += qr[c] * kr[c];
          w[j] = dot * s.scale;
          max = std::max(max, w[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j <= t; ++j) sum += w[j] = std::exp(w[j] - max);
        double* o = out.data() + ((b * s.seq + t) * s.n_head + h) * d;
        for (int64_t j = 0; j <= t; ++j) {
          w[j] /= sum;
          if (probs != nullptr) (*probs)[((b * s.n_head + h) * s.seq + t) * s.seq + j] = w[j];
          const double* vr = v.data() + ((b * s.seq + j) * s.n_head_kv + h / group) * d;
          for (int64_t c = 0; c < d; ++c) o[c] += w[j] * vr[c];
        }
      }
  return out;
}

struct AttentionCase {
  int64_t batch, seq, n_head, n_head_kv, head_dim;
};

TEST(TrainOps, AttentionForwardAndGradients) {
  std::mt19937 rng(7);
  ThreadPool pool(3);
  const AttentionCase cases[] = {
      {1, 1, 4, 2, 8},  {2, 2, 4, 1, 8},  {1, 5, 4, 2, 20}, {3, 3, 4, 4, 16},
      {1, 16, 4, 1, 8}, {2, 17, 4, 2, 8}, {3, 6, 4, 1, 17}, {1, 17, 2, 2, 64},
  };
  for (const AttentionCase& c : cases) {
    const AttentionShape s{c.batch,     c.seq,      c.n_head,
                           c.n_head_kv, c.head_dim, 1.0f / std::sqrt(static_cast<float>(c.head_dim))};
    const std::string what = "attention batch " + std::to_string(c.batch) + " seq " + std::to_string(c.seq) +
                             " heads " + std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) +
                             " dim " + std::to_string(c.head_dim);
    const int64_t rows = c.batch * c.seq;
    // Scores of order a few units, so that the softmax is far from uniform.
    const std::vector<float> q = random_floats(rng, rows * c.n_head * c.head_dim, -2.0f, 2.0f);
    const std::vector<float> k = random_floats(rng, rows * c.n_head_kv * c.head_dim, -2.0f, 2.0f);
    const std::vector<float> v = random_floats(rng, rows * c.n_head_kv * c.head_dim);
    std::vector<float> probs(attention_probs_size(s), -1.0f), out(q.size());
    attention_forward(s, q.data(), k.data(), v.data(), probs.data(), out.data(), pool);
    const Doubles qd = to_double(q), kd = to_double(k), vd = to_double(v);
    Doubles probs_ref(probs.size(), 0.0);
    const Doubles out_ref = attention_ref(s, qd, kd, vd, &probs_ref);
    // Dot products of up to 64 terms and sums of up to 17: 1e-5 of the largest value.
    expect_near_all(probs_ref, probs, 1e-5, what + " probs");
    expect_near_all(out_ref, out, 1e-5, what + " out");

    const std::vector<float> dout = random_floats(rng, out.size());
    std::vector<float> dq(q.size(), 7.0f), dk(k.size(), 7.0f), dv(v.size(), 7.0f);  // overwritten
    attention_backward(s, q.data(), k.data(), v.data(), probs.data(), dout.data(), dq.data(), dk.data(),
                       dv.data(), pool);
    const Doubles doutd = to_double(dout);
    // The chain of dot products, softmax gradient and sums over up to 2 * 17 query rows: 1e-4.
    expect_gradient(
        [&](const Doubles& x) { return weighted_sum(doutd, attention_ref(s, x, kd, vd, nullptr)); }, qd, dq,
        1e-4, what + " dq", rng);
    expect_gradient(
        [&](const Doubles& x) { return weighted_sum(doutd, attention_ref(s, qd, x, vd, nullptr)); }, kd, dk,
        1e-4, what + " dk", rng);
    expect_gradient(
        [&](const Doubles& x) { return weighted_sum(doutd, attention_ref(s, qd, kd, x, nullptr)); }, vd, dv,
        1e-4, what + " dv", rng);
  }
}

// ---- cross-entropy ----

Doubles cross_entropy_ref(const Doubles& logits, const std::vector<int32_t>& targets, int64_t vocab) {
  Doubles losses(targets.size());
  for (size_t r = 0; r < targets.size(); ++r) {
    const double* x = logits.data() + r * vocab;
    double max = x[0];
    for (int64_t i = 0; i < vocab; ++i) max = std::max(max, x[i]);
    double sum = 0;
    for (int64_t i = 0; i < vocab; ++i) sum += std::exp(x[i] - max);
    losses[r] = max + std::log(sum) - x[targets[r]];
  }
  return losses;
}

TEST(TrainOps, CrossEntropyLossAndGradient) {
  std::mt19937 rng(8);
  ThreadPool pool(2);
  const float grad_scale = 0.25f;
  for (int64_t vocab : {1, 7, 16, 300, 4099})
    for (float spread : {1.0f, 30.0f}) {
      const std::string what =
          "cross_entropy vocab " + std::to_string(vocab) + " spread " + std::to_string(spread);
      const int64_t rows = 3;
      const std::vector<float> logits0 = random_floats(rng, rows * vocab, -spread, spread);
      std::vector<int32_t> targets(rows);
      for (int64_t r = 0; r < rows; ++r) targets[r] = static_cast<int32_t>((r * 7919 + 3) % vocab);
      const Doubles losses_ref = cross_entropy_ref(to_double(logits0), targets, vocab);

      std::vector<float> logits = logits0, losses(rows);
      cross_entropy(logits.data(), targets.data(), rows, vocab, 0.0f, losses.data(), pool);
      test::expect_same_bits(logits0, logits, what + ": evaluation leaves the logits");
      // logsumexp: exp within 1 ulp, a sum in float blocks: 2e-6 of the larger of loss and max logit.
      for (int64_t r = 0; r < rows; ++r)
        ASSERT_NEAR(losses[r], losses_ref[r], 2e-6 * (std::abs(losses_ref[r]) + spread)) << what;

      std::vector<float> losses2(rows);
      cross_entropy(logits.data(), targets.data(), rows, vocab, grad_scale, losses2.data(), pool);
      test::expect_same_bits(losses, losses2, what + ": loss with and without the gradient");
      const std::vector<int32_t> t = targets;
      expect_gradient(
          [&](const Doubles& x) {
            double total = 0;
            for (double l : cross_entropy_ref(x, t, vocab)) total += grad_scale * l;
            return total;
          },
          to_double(logits0), logits, 1e-5, what + " gradient", rng);
    }
}

TEST(TrainOps, CrossEntropyWithHugeLogitsNeitherOverflowsNorLosesTheLoss) {
  ThreadPool pool(1);
  const int64_t vocab = 40;
  std::vector<float> logits(vocab);
  for (int64_t i = 0; i < vocab; ++i) logits[i] = 1e30f + static_cast<float>(i) * 1e28f;
  logits[5] = -1e30f;
  const std::vector<int32_t> targets = {39};
  float loss = -1;
  cross_entropy(logits.data(), targets.data(), 1, vocab, 1.0f, &loss, pool);
  // The largest logit exceeds the rest by at least 1e28: its softmax weight is 1, the others' 0.
  EXPECT_EQ(loss, 0.0f);
  for (int64_t i = 0; i < vocab; ++i) EXPECT_EQ(logits[i], 0.0f) << i;

  std::vector<float> moderate = {88.0f, 100.0f, -100.0f, 95.0f};
  const std::vector<int32_t> target0 = {0};
  cross_entropy(moderate.data(), target0.data(), 1, 4, 1.0f, &loss, pool);
  const double want = 100.0 + std::log(std::exp(-12.0) + 1 + std::exp(-200.0) + std::exp(-5.0)) - 88.0;
  EXPECT_NEAR(loss, want, 2e-6 * want);
  EXPECT_TRUE(std::isfinite(moderate[0]) && std::isfinite(moderate[1]));
}

TEST(TrainOps, CrossEntropyRejectsTargetsOutsideTheVocabulary) {
  ThreadPool pool(1);
  std::vector<float> logits(8), losses(2);
  for (int32_t bad : {-1, 4}) {
    const std::vector<int32_t> targets = {0, bad};
    EXPECT_THROW(cross_entropy(logits.data(), targets.data(), 2, 4, 1.0f, losses.data(), pool),
                 std::invalid_argument);
  }
}

}  // namespace
}  // namespace ck::kernels::train
