// The element-wise kernels of op_kernels.h for the SIMD levels, written once over a 16-float register
// type L (ggml's __m512, which the AVX2 level holds as two __m256) and instantiated by each level's file
// with its own L. Each computes exactly the bits of its scalar reference in ops_scalar.cpp; the comments
// there say which ggml code is reproduced. Included only by files compiled for a SIMD level, and every
// function is a template of L (a type local to that file), so no code of one level leaks into another.
// For the same reason the scalar math is the compiler's builtins (__builtin_expf, not std::exp): the
// standard library's are inline functions which, whenever not inlined, every object emits as a weak
// symbol, ops_scalar.cpp's too, and the linker would keep one copy, maybe this level's
// (tests/kernels/isa_isolation).
//
// L provides: Reg; load, store, set1, zero; add, sub, mul, div, max; fmadd(a, b, c) = a * b + c,
// fmsub(a, b, c) = a * b - c, fmaddsub (even lanes a * b - c, odd a * b + c), each rounded once;
// dup_even, dup_odd, swap_pairs (within pairs of lanes); reduce_add (_mm512_reduce_add_ps's order),
// reduce_max; to_fp16 (16 halves, round to nearest even); expf (ggml_v_expf); and scalar to_fp16_one.
#pragma once

#include <cstdint>

namespace ck::kernels::simd {

inline constexpr int64_t kLanes = 16;

template <class L>
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  // The double sum is sequential, as ggml's; only the squares and the scaling are vectorized.
  double sum = 0;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    float squares[kLanes];
    const typename L::Reg v = L::load(x + i);
    L::store(squares, L::mul(v, v));
    for (float s : squares) sum += static_cast<double>(s);
  }
  for (; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / __builtin_sqrtf(mean + eps);
  const typename L::Reg vscale = L::set1(scale);
  for (i = 0; i + kLanes <= n; i += kLanes)
    L::store(y + i, L::mul(L::mul(L::load(x + i), vscale), L::load(weight + i)));
  for (; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

template <class L>
void silu_mul(const float* gate, const float* up, float* y, int64_t n) {
  const typename L::Reg one = L::set1(1.0f);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const typename L::Reg g = L::load(gate + i);
    typename L::Reg s = L::div(g, L::add(one, L::expf(L::sub(L::zero(), g))));
    if (up != nullptr) s = L::mul(s, L::load(up + i));
    L::store(y + i, s);
  }
  for (; i < n; ++i) {
    const float s = gate[i] / (1.0f + __builtin_expf(-gate[i]));
    y[i] = up != nullptr ? s * up[i] : s;
  }
}

template <class L>
void add(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) L::store(y + i, L::add(L::load(y + i), L::load(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

template <class L>
void soft_max(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale) {
  // The maximum is exact whatever the order (any of equal zeros gives the same exp below).
  const typename L::Reg vscale = L::set1(scale);
  typename L::Reg vmax = L::set1(-__builtin_huge_valf());
  int64_t i = 0;
  for (; i + kLanes <= n_unmasked; i += kLanes) {
    const typename L::Reg v = L::mul(L::load(x + i), vscale);
    L::store(y + i, v);
    vmax = L::max(v, vmax);
  }
  float max = L::reduce_max(vmax);
  for (; i < n_unmasked; ++i) {
    y[i] = x[i] * scale;
    max = y[i] > max ? y[i] : max;
  }
  const typename L::Reg vmax_all = L::set1(max);
  double sum = 0;
  for (i = 0; i + kLanes <= n; i += kLanes) {
    typename L::Reg e;
    if (i + kLanes <= n_unmasked) {
      e = L::expf(L::sub(L::load(y + i), vmax_all));
    } else {  // the group with the mask's edge: masked lanes are exactly 0
      float lanes[kLanes];
      for (int64_t l = 0; l < kLanes; ++l) lanes[l] = i + l < n_unmasked ? y[i + l] - max : 0.0f;
      L::store(lanes, L::expf(L::load(lanes)));
      for (int64_t l = 0; l < kLanes; ++l)
        if (i + l >= n_unmasked) lanes[l] = 0.0f;
      e = L::load(lanes);
    }
    L::store(y + i, e);
    sum += static_cast<double>(L::reduce_add(e));
  }
  for (; i < n; ++i) {
    const float val = i < n_unmasked ? __builtin_expf(y[i] - max) : 0.0f;
    sum += static_cast<double>(val);
    y[i] = val;
  }
  const float inv_sum = static_cast<float>(1.0 / sum);
  const typename L::Reg vinv = L::set1(inv_sum);
  for (i = 0; i + kLanes <= n; i += kLanes) L::store(y + i, L::mul(L::load(y + i), vinv));
  for (; i < n; ++i) y[i] *= inv_sum;
}

template <class L>
void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t n_pairs, int64_t n_fused, bool neox,
          const float* angles) {
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    int64_t k = 0;
    if (neox) {  // halves (v[k], v[k + n_pairs]); cosines then sines
      const float* cosines = angles;
      const float* sines = angles + n_pairs;
      for (; k + kLanes <= n_fused; k += kLanes) {
        const typename L::Reg x0 = L::load(v + k), x1 = L::load(v + k + n_pairs);
        const typename L::Reg c = L::load(cosines + k), s = L::load(sines + k);
        L::store(v + k, L::fmsub(x0, c, L::mul(x1, s)));
        L::store(v + k + n_pairs, L::fmadd(x0, s, L::mul(x1, c)));
      }
      for (; k < n_fused; ++k) {
        const float x0 = v[k], x1 = v[k + n_pairs];
        v[k] = __builtin_fmaf(x0, cosines[k], -(x1 * sines[k]));
        v[k + n_pairs] = __builtin_fmaf(x0, sines[k], x1 * cosines[k]);
      }
      continue;  // NeoX fuses every pair
    }
    // Adjacent pairs, 8 per register: even lanes x0 * c - r(x1 * s), odd lanes x0 * s + r(x1 * c).
    for (; k + kLanes / 2 <= n_fused; k += kLanes / 2) {
      const typename L::Reg xs = L::load(v + 2 * k), cs = L::load(angles + 2 * k);
      L::store(v + 2 * k, L::fmaddsub(L::dup_even(xs), cs, L::mul(L::dup_odd(xs), L::swap_pairs(cs))));
    }
    for (; k < n_pairs; ++k) {
      const float x0 = v[2 * k], x1 = v[2 * k + 1], c = angles[2 * k], s = angles[2 * k + 1];
      if (k < n_fused) {
        v[2 * k] = __builtin_fmaf(x0, c, -(x1 * s));
        v[2 * k + 1] = __builtin_fmaf(x0, s, x1 * c);
      } else {  // built without contraction: each product rounds on its own
        v[2 * k] = x0 * c - x1 * s;
        v[2 * k + 1] = x0 * s + x1 * c;
      }
    }
  }
}

template <class L>
void to_fp16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) L::to_fp16(y + i, L::load(x + i));
  for (; i < n; ++i) y[i] = L::to_fp16_one(x[i]);
}

// The table entries of a level.
template <class L, class Table>
void install(Table& table) {
  table.rms_norm = rms_norm<L>;
  table.silu_mul = silu_mul<L>;
  table.add = add<L>;
  table.soft_max = soft_max<L>;
  table.rope = rope<L>;
  table.to_fp16 = to_fp16<L>;
}

}  // namespace ck::kernels::simd
