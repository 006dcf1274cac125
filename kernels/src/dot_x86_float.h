// The float types on x86: F32, F16 and BF16, as ggml's vec_dot and llamafile's tinyBLAS.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

// F32 and F16: ggml_vec_dot_f32/f16 and tinyBLAS, whose 16-float AVX-512 registers are held here as two
// 8-float halves (lanes are independent, so the halves give the same bits).

struct F32Load {
  static __m256 load8(const void* p, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(p) + i); }
  static float at(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
};
struct F16Load {
  static __m256 load8(const void* p, int64_t i) {
    return _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i)));
  }
  static float at(const void* p, int64_t i) { return half_to_float(static_cast<const uint16_t*>(p)[i]); }
};

// The main loop of ggml_vec_dot_f32/f16: four 16-lane accumulators over steps of 64, reduced as
// GGML_F32x16_REDUCE.
template <class Load>
float vec_dot_main(const void* w, const void* x, int64_t np) {
  __m256 sum[4][2];
  for (auto& s : sum) s[0] = s[1] = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int h = 0; h < 2; ++h) {
        const int64_t e = i + 16 * j + 8 * h;
        sum[j][h] = _mm256_fmadd_ps(Load::load8(w, e), Load::load8(x, e), sum[j][h]);
      }
  __m256 total[2];
  for (int h = 0; h < 2; ++h)
    total[h] = _mm256_add_ps(_mm256_add_ps(sum[0][h], sum[2][h]), _mm256_add_ps(sum[1][h], sum[3][h]));
  return reduce16(total[0], total[1]);
}

// The leftovers as scalar::dot_row_f32_f32 adds them (how GCC compiled ggml's scalar tail).
float dot_row_f32(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  float sum = vec_dot_main<F32Load>(weight, activation, np);
  int64_t i = np;
  const int64_t by8_end = np + ((n - np) & ~int64_t{7});
  for (; i < by8_end; ++i) sum = sum + F32Load::at(weight, i) * F32Load::at(activation, i);
  for (; i < n; ++i) sum = __builtin_fmaf(F32Load::at(weight, i), F32Load::at(activation, i), sum);
  return sum;
}

float dot_row_f16(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  double sum = vec_dot_main<F16Load>(weight, activation, np);
  for (int64_t i = np; i < n; ++i)
    sum += static_cast<double>(F16Load::at(weight, i) * F16Load::at(activation, i));
  return static_cast<float>(sum);
}

// tinyBLAS as a register tile: per output one 16-lane accumulator (two 8-lane halves), one FMA per 16
// elements, then reduce16; R rows by T tokens of them at once, so the FMAs of different outputs overlap
// instead of waiting on one accumulator's latency (attention's K * q and V * weights, 64 to 128 elements a
// row, were latency-bound one row at a time).
template <class Load>
struct TinyBlasDot {
  struct Acc {
    __m256 low, high;
  };
  static constexpr int kBlockElements = 16;
  static constexpr int kTileRows = kManyRegisters ? 4 : 2;
  static constexpr int kTileTokens = 2;
  static Acc zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static float finish(const Acc& acc) { return reduce16(acc.low, acc.high); }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    __m256 low[R], high[R];
    for (int r = 0; r < R; ++r) {
      low[r] = Load::load8(w[r], 16 * b);
      high[r] = Load::load8(w[r], 16 * b + 8);
    }
    for (int t = 0; t < T; ++t) {
      const __m256 x_low = Load::load8(x[t], 16 * b), x_high = Load::load8(x[t], 16 * b + 8);
      for (int r = 0; r < R; ++r) {
        acc[r][t].low = _mm256_fmadd_ps(low[r], x_low, acc[r][t].low);
        acc[r][t].high = _mm256_fmadd_ps(high[r], x_high, acc[r][t].high);
      }
    }
  }
};

#if defined(__AVX512BF16__)
// BF16 with VDPBF16PS itself, which is what the scalar reference emulates; ggml's 16-lane registers as two
// 8-lane halves, each taking 16 of the 32 bf16 of a step.
struct Bf16Lanes {
  __m256 low = _mm256_setzero_ps();
  __m256 high = _mm256_setzero_ps();

  void add_products(const uint16_t* w, const uint16_t* x) {
    low = _mm256_dpbf16_ps(low, load_bf16x16(w), load_bf16x16(x));
    high = _mm256_dpbf16_ps(high, load_bf16x16(w + 16), load_bf16x16(x + 16));
  }
  float reduce() const { return reduce16(low, high); }

  static __m256bh load_bf16x16(const uint16_t* p) { return reinterpret_cast<__m256bh>(load32(p)); }
};

// ggml_vec_dot_bf16: two accumulators over steps of 64, each reduced and added in double.
float dot_row_bf16(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  Bf16Lanes c1, c2;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    c1.add_products(w + i, x + i);
    c2.add_products(w + i + 32, x + i + 32);
  }
  double sum = 0.0;
  sum += static_cast<double>(c1.reduce());
  sum += static_cast<double>(c2.reduce());
  for (; i < n; ++i) {
    const float wf = __builtin_bit_cast(float, static_cast<uint32_t>(w[i]) << 16);
    const float xf = __builtin_bit_cast(float, static_cast<uint32_t>(x[i]) << 16);
    sum += static_cast<double>(wf * xf);
  }
  return static_cast<float>(sum);
}

float dot_row_bf16_tinyblas(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  Bf16Lanes acc;
  for (int64_t i = 0; i < n; i += 32) acc.add_products(w + i, x + i);
  return acc.reduce();
}
#endif
