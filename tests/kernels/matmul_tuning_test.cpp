// The kernel tuning (kernel_tuning.h) changes how weights are prefetched, how many rows a decode tile
// holds and how long pool threads spin, never a bit of what a matrix product computes: matmul outputs are
// bitwise identical for every prefetch distance and hint and every decode tile height, for the weight
// types whose panels tile (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, F16), at 1 and 2 threads, for a decoded token
// and a prefill batch. (The instruction-set levels, the tuning's third
// member, are tested bitwise against the scalar reference by simd_equivalence_test.)
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/kernels/kernel_tuning.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/quantize_weights.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {
namespace {

// Rows enough for many register tiles ahead of each other (the prefetch reaches 64 KiB beyond a tile),
// and a row length of whole K-quant super-blocks.
constexpr int64_t kRows = 200;
constexpr int64_t kCols = 512;

struct Matrix {
  TensorType type;
  std::vector<std::byte> bytes;
  WeightMatrix view() const { return {bytes.data(), type, kRows, kCols, row_bytes(type, kCols)}; }
};

Matrix random_matrix(TensorType type, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0f, 0.5f);
  std::vector<float> values(static_cast<size_t>(kRows * kCols));
  for (float& v : values) v = value(rng);
  Matrix m{type, std::vector<std::byte>(row_bytes(type, kCols) * kRows)};
  quantize_weights(type, values, m.bytes);
  return m;
}

std::vector<float> random_activations(int64_t tokens) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(tokens * kCols));
  for (float& v : x) v = value(rng);
  return x;
}

std::vector<float> product(const Matrix& m, const std::vector<float>& x, int64_t tokens, int threads) {
  ThreadPool pool(threads);
  MatmulScratch scratch;
  std::vector<float> y(static_cast<size_t>(tokens * kRows));
  matmul(m.view(), x.data(), tokens, y.data(), pool, scratch);
  return y;
}

// Sets a tuning for its lifetime; the one before comes back.
class ScopedTuning {
 public:
  explicit ScopedTuning(const KernelTuning& tuning) : saved_(kernel_tuning()) { set_kernel_tuning(tuning); }
  ~ScopedTuning() { set_kernel_tuning(saved_); }
  ScopedTuning(const ScopedTuning&) = delete;
  ScopedTuning& operator=(const ScopedTuning&) = delete;

 private:
  KernelTuning saved_;
};

// Bitwise: memcmp-equal vectors, so that -0 vs +0 or NaN payloads would count too.
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(MatmulTuning, OutputsAreBitwiseIdenticalForEveryPrefetch) {
  const TensorType types[] = {TensorType::q8_0, TensorType::q4_k, TensorType::q6_k, TensorType::f16};
  const size_t distances[] = {0, 64, 4096, 8192, 65536};
  const PrefetchHint hints[] = {PrefetchHint::nta, PrefetchHint::t0, PrefetchHint::t1, PrefetchHint::t2};
  uint32_t seed = 1;
  for (const TensorType type : types) {
    const Matrix m = random_matrix(type, seed++);
    for (const int64_t tokens : {int64_t{1}, int64_t{9}}) {  // decode, prefill
      const std::vector<float> x = random_activations(tokens);
      const std::vector<float> reference = product(m, x, tokens, 1);  // default tuning, 1 thread
      for (const size_t distance : distances)
        for (const PrefetchHint hint : hints)
          for (const int threads : {1, 2}) {
            KernelTuning tuning;
            tuning.prefetch = {distance, hint};
            const ScopedTuning scoped(tuning);
            EXPECT_TRUE(same_bits(product(m, x, tokens, threads), reference))
                << type_name(type) << ", " << tokens << " tokens, distance " << distance << ", hint "
                << prefetch_hint_name(hint) << ", " << threads << " threads";
          }
    }
  }
}

TEST(MatmulTuning, OutputsAreBitwiseIdenticalForEveryDecodeTileHeight) {
  const TensorType types[] = {TensorType::q8_0, TensorType::q4_0, TensorType::q4_k,
                              TensorType::q5_k, TensorType::q6_k, TensorType::f16};
  uint32_t seed = 11;
  for (const TensorType type : types) {
    const Matrix m = random_matrix(type, seed++);
    for (const int64_t tokens : {int64_t{1}, int64_t{9}}) {  // decode (the one it changes), prefill
      const std::vector<float> x = random_activations(tokens);
      const std::vector<float> reference = product(m, x, tokens, 1);
      for (const int rows : kDecodeTileRowChoices)
        for (const int threads : {1, 2}) {
          KernelTuning tuning;
          tuning.decode_tile_rows = rows;
          const ScopedTuning scoped(tuning);
          EXPECT_TRUE(same_bits(product(m, x, tokens, threads), reference))
              << type_name(type) << ", " << tokens << " tokens, decode tile rows " << rows << ", "
              << threads << " threads";
        }
    }
  }
}

TEST(MatmulTuning, DecodeTileHeightsOutsideTheCompiledOnesAreRefused) {
  for (const int rows : {-1, 1, 3, 6, 16}) {
    KernelTuning tuning;
    tuning.decode_tile_rows = rows;
    EXPECT_THROW(validate(tuning), std::invalid_argument) << rows;
  }
}

}  // namespace
}  // namespace ck::kernels
