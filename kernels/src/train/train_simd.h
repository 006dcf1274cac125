// The kernels of train_kernels.h, written once over a 16-float register type L and instantiated by each
// level's file with its own L (train_scalar.cpp, train_avx2.cpp, train_avx512.cpp). The lane structure,
// the reduction trees, every FMA and the exp polynomial are the same at every level, so every level
// computes the same bits.
//
// Every function here is a template of L (a type local to the including file), and the scalar math is the
// compiler's builtins, never the standard library's inline functions: no code of one level can then end
// up as a symbol another level's object also defines (see kernels/CMakeLists.txt, isa_isolation).
//
// L provides: Reg; load, store, set1, zero; add, sub, mul, div; min(a, b) = a < b ? a : b and
// max(a, b) = a > b ? a : b per lane (x86's operand order, so a NaN in b passes through); fmadd(a, b, c) =
// a * b + c rounded once; reduce_add and reduce_max over the tree of reduce16 in lanes.h (halves of 8, 4,
// 2, then the last pair); and scale_by_exponent(j, z): j * 2^n rounded once, where z = 0x1.8p23f + n (an
// integer |n| <= 160 in z's low mantissa bits), formed as (j * 2^(n - floor(n/2))) * 2^floor(n/2).
#pragma once

#include <cstdint>

namespace ck::kernels::train::simd {

inline constexpr int64_t kLanes = 16;
// Long sums are taken in float lanes over blocks of this many elements, each block's total then added in
// double: the float error stays that of 16-term sums whatever the row length.
inline constexpr int64_t kSumBlock = 256;

// p[0..count) in lanes 0..count-1, fill in the rest.
template <class L>
typename L::Reg load_part(const float* p, int64_t count, float fill) {
  if (count >= kLanes) return L::load(p);
  float lanes[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) lanes[l] = l < count ? p[l] : fill;
  return L::load(lanes);
}

template <class L>
void store_part(float* p, typename L::Reg v, int64_t count) {
  if (count >= kLanes) return L::store(p, v);
  float lanes[kLanes];
  L::store(lanes, v);
  for (int64_t l = 0; l < count; ++l) p[l] = lanes[l];
}

// e^x per lane, at most 1.02 ulp off (train_determinism_test sweeps the range): x = n ln2 + r, |r| <= ln2/2,
// e^r by its Taylor polynomial of degree 7 (truncation below 0.05 ulp), written as 1 + (r + r^2 p(r)) so
// that the final addition is the only large rounding. x - n * ln2_hi in one FMA is exact (for n != 0 both are
// multiples of 2^-25 and differ by at most ln2/2), so r carries one rounding only. x is clamped to [-110, 89]
// first, where e^x is 0 or +inf after rounding anyway, so that both halves of 2^n stay normal floats; NaN
// stays NaN.
template <class L>
typename L::Reg exp(typename L::Reg x) {
  using Reg = typename L::Reg;
  const Reg shifter = L::set1(0x1.8p23f);
  x = L::max(L::set1(-110.0f), L::min(L::set1(89.0f), x));
  const Reg z = L::fmadd(x, L::set1(0x1.715476p+0f), shifter);  // n in the low bits
  const Reg n = L::sub(z, shifter);
  Reg r = L::fmadd(n, L::set1(-0x1.62e43p-1f), x);  // -ln2_hi, exact
  r = L::fmadd(n, L::set1(0x1.05c610p-29f), r);     // -ln2_lo
  Reg p = L::set1(1.0f / 5040.0f);
  p = L::fmadd(p, r, L::set1(1.0f / 720.0f));
  p = L::fmadd(p, r, L::set1(1.0f / 120.0f));
  p = L::fmadd(p, r, L::set1(1.0f / 24.0f));
  p = L::fmadd(p, r, L::set1(1.0f / 6.0f));
  p = L::fmadd(p, r, L::set1(0.5f));
  const Reg j = L::add(L::set1(1.0f), L::fmadd(L::mul(r, r), p, r));
  return L::scale_by_exponent(j, z);
}

template <class L>
void exp_array(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i += kLanes)
    store_part<L>(y + i, exp<L>(load_part<L>(x + i, n - i, 0.0f)), n - i);
}

// A sum over i < n, kSumBlock elements at a time: accumulate(i, count, acc) adds the group of lanes at i
// (count < 16 only for the last group) into acc, one of four accumulators used in turn; each block's four
// are added pairwise, reduced across lanes and summed in double. The one reduction tree of the row kernels.
template <class L, class Accumulate>
double block_sum(int64_t n, Accumulate accumulate) {
  using Reg = typename L::Reg;
  double sum = 0;
  for (int64_t block = 0; block < n; block += kSumBlock) {
    const int64_t end = block + kSumBlock < n ? block + kSumBlock : n;
    Reg acc[4] = {L::zero(), L::zero(), L::zero(), L::zero()};
    int64_t g = 0;
    for (int64_t i = block; i < end; i += kLanes, ++g) accumulate(i, end - i, acc[g & 3]);
    sum += static_cast<double>(L::reduce_add(L::add(L::add(acc[0], acc[1]), L::add(acc[2], acc[3]))));
  }
  return sum;
}

// sum over i < n of a[i] * b[i], where factors(i, count, a, b) loads the factors of the group of lanes at i
// (the last group's lanes past the end must hold zeros).
template <class L, class Factors>
double block_fma_sum(int64_t n, Factors factors) {
  using Reg = typename L::Reg;
  return block_sum<L>(n, [&](int64_t i, int64_t count, Reg& acc) {
    Reg a, b;
    factors(i, count, a, b);
    acc = L::fmadd(a, b, acc);
  });
}

template <class L>
float row_max(const float* x, int64_t n) {
  typename L::Reg m = L::set1(-__builtin_huge_valf());
  for (int64_t i = 0; i < n; i += kLanes) m = L::max(m, load_part<L>(x + i, n - i, -__builtin_huge_valf()));
  return L::reduce_max(m);
}

// sum over i of e^(x[i] - max), stored into out[i] when out is not nullptr.
template <class L>
double exp_sum(const float* x, int64_t n, float max, float* out) {
  using Reg = typename L::Reg;
  const Reg vmax = L::set1(max);
  return block_sum<L>(n, [&](int64_t i, int64_t count, Reg& acc) {
    // Lanes past the end hold -inf: e^-inf is 0.
    const Reg e = exp<L>(L::sub(load_part<L>(x + i, count, -__builtin_huge_valf()), vmax));
    if (out != nullptr) store_part<L>(out + i, e, count);
    acc = L::add(acc, e);
  });
}

template <class L>
void scale_row(float* x, int64_t n, float factor) {
  const typename L::Reg f = L::set1(factor);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) L::store(x + i, L::mul(L::load(x + i), f));
  for (; i < n; ++i) x[i] *= factor;
}

template <class L>
float rms_norm_row(const float* x, const float* w, int64_t n, float eps, float* y) {
  using Reg = typename L::Reg;
  const double sum = block_fma_sum<L>(
      n, [x](int64_t i, int64_t count, Reg& a, Reg& b) { a = b = load_part<L>(x + i, count, 0.0f); });
  const float rstd = static_cast<float>(1.0 / __builtin_sqrt(sum / static_cast<double>(n) + eps));
  const Reg vr = L::set1(rstd);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) L::store(y + i, L::mul(L::mul(L::load(x + i), vr), L::load(w + i)));
  for (; i < n; ++i) y[i] = (x[i] * rstd) * w[i];
  return rstd;
}

template <class L>
void rms_norm_backward_row(const float* x, const float* w, float rstd, const float* dy, int64_t n,
                           float* dx) {
  using Reg = typename L::Reg;
  // c = sum of (w * dy) * x; its lanes past the end are 0 * 0.
  const double c = block_fma_sum<L>(n, [x, w, dy](int64_t i, int64_t count, Reg& a, Reg& b) {
    a = L::mul(load_part<L>(w + i, count, 0.0f), load_part<L>(dy + i, count, 0.0f));
    b = load_part<L>(x + i, count, 0.0f);
  });
  const double r = rstd;
  const float k = static_cast<float>(r * r * r * (c / static_cast<double>(n)));
  // dx += rstd * g - x * k with g = w * dy: one FMA over the rounded x * k.
  const Reg vr = L::set1(rstd), vk = L::set1(k), minus_one = L::set1(-1.0f);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Reg g = L::mul(L::load(w + i), L::load(dy + i));
    const Reg xk = L::mul(L::mul(L::load(x + i), vk), minus_one);
    L::store(dx + i, L::add(L::load(dx + i), L::fmadd(vr, g, xk)));
  }
  for (; i < n; ++i) dx[i] += __builtin_fmaf(rstd, w[i] * dy[i], (x[i] * k) * -1.0f);
}

// sigmoid(g) and silu(g) = g * sigmoid(g) per lane.
template <class L>
void sigmoid_silu(typename L::Reg g, typename L::Reg& sigmoid, typename L::Reg& silu) {
  const typename L::Reg one = L::set1(1.0f);
  sigmoid = L::div(one, L::add(one, exp<L>(L::sub(L::zero(), g))));
  silu = L::mul(g, sigmoid);
}

template <class L>
void swiglu(const float* gate, const float* up, int64_t n, float* h) {
  using Reg = typename L::Reg;
  for (int64_t i = 0; i < n; i += kLanes) {
    Reg sigmoid, silu;
    sigmoid_silu<L>(load_part<L>(gate + i, n - i, 0.0f), sigmoid, silu);
    store_part<L>(h + i, L::mul(silu, load_part<L>(up + i, n - i, 0.0f)), n - i);
  }
}

template <class L>
void swiglu_backward(const float* gate, const float* up, const float* dh, int64_t n, float* dgate,
                     float* dup) {
  using Reg = typename L::Reg;
  const Reg one = L::set1(1.0f);
  for (int64_t i = 0; i < n; i += kLanes) {
    const Reg g = load_part<L>(gate + i, n - i, 0.0f);
    const Reg d = load_part<L>(dh + i, n - i, 0.0f);
    Reg sigmoid, silu;
    sigmoid_silu<L>(g, sigmoid, silu);
    const Reg dsilu = L::mul(sigmoid, L::add(one, L::mul(g, L::sub(one, sigmoid))));
    store_part<L>(dup + i, L::mul(d, silu), n - i);
    store_part<L>(dgate + i, L::mul(L::mul(d, load_part<L>(up + i, n - i, 0.0f)), dsilu), n - i);
  }
}

template <class L>
float cross_entropy_row(float* logits, int64_t vocab, int32_t target, float grad_scale) {
  const float target_logit = logits[target];
  const float max = row_max<L>(logits, vocab);
  // The exponentials go straight into the logits when the gradient is wanted: one pass fewer.
  const double sum = exp_sum<L>(logits, vocab, max, grad_scale != 0 ? logits : nullptr);
  const double loss = (static_cast<double>(max) - static_cast<double>(target_logit)) + __builtin_log(sum);
  if (grad_scale != 0) {
    scale_row<L>(logits, vocab, static_cast<float>(static_cast<double>(grad_scale) / sum));
    logits[target] -= grad_scale;
  }
  return static_cast<float>(loss);
}

template <class L>
void row_dots(const float* x, const float* rows, int64_t stride, int64_t n_rows, int64_t d, float scale,
              float* out) {
  using Reg = typename L::Reg;
  for (int64_t j = 0; j < n_rows; ++j) {
    const float* row = rows + j * stride;
    Reg acc = L::zero();
    for (int64_t i = 0; i < d; i += kLanes)
      acc = L::fmadd(load_part<L>(x + i, d - i, 0.0f), load_part<L>(row + i, d - i, 0.0f), acc);
    out[j] = L::reduce_add(acc) * scale;
  }
}

template <class L>
void softmax(float* x, int64_t n) {
  const float max = row_max<L>(x, n);
  const double sum = exp_sum<L>(x, n, max, x);
  scale_row<L>(x, n, static_cast<float>(1.0 / sum));
}

template <class L>
void weighted_row_sum(const float* weights, const float* rows, int64_t stride, int64_t n_rows, int64_t d,
                      bool accumulate, float* out) {
  using Reg = typename L::Reg;
  int64_t c = 0;
  for (; c + kLanes <= d; c += kLanes) {
    Reg acc = accumulate ? L::load(out + c) : L::zero();
    for (int64_t j = 0; j < n_rows; ++j)
      acc = L::fmadd(L::set1(weights[j]), L::load(rows + j * stride + c), acc);
    L::store(out + c, acc);
  }
  for (; c < d; ++c) {
    float acc = accumulate ? out[c] : 0.0f;
    for (int64_t j = 0; j < n_rows; ++j) acc = __builtin_fmaf(weights[j], rows[j * stride + c], acc);
    out[c] = acc;
  }
}

template <class L>
void add_scaled_to_rows(const float* alphas, const float* x, float* rows, int64_t stride, int64_t n_rows,
                        int64_t d) {
  for (int64_t j = 0; j < n_rows; ++j) {
    float* row = rows + j * stride;
    const typename L::Reg a = L::set1(alphas[j]);
    int64_t c = 0;
    for (; c + kLanes <= d; c += kLanes) L::store(row + c, L::fmadd(a, L::load(x + c), L::load(row + c)));
    for (; c < d; ++c) row[c] = __builtin_fmaf(alphas[j], x[c], row[c]);
  }
}

template <class L, class Table>
void install(Table& table) {
  table.exp = exp_array<L>;
  table.rms_norm_row = rms_norm_row<L>;
  table.rms_norm_backward_row = rms_norm_backward_row<L>;
  table.swiglu = swiglu<L>;
  table.swiglu_backward = swiglu_backward<L>;
  table.cross_entropy_row = cross_entropy_row<L>;
  table.row_dots = row_dots<L>;
  table.softmax = softmax<L>;
  table.weighted_row_sum = weighted_row_sum<L>;
  table.add_scaled_to_rows = add_scaled_to_rows<L>;
}

}  // namespace ck::kernels::train::simd
