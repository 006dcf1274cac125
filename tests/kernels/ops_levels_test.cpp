// Every SIMD level's element-wise ops against the scalar reference, bit for bit, on random rows and edge
// cases: lengths around the 16-lane groups, masks ending anywhere, magnitudes where exp over- and
// underflows, subnormal and huge values for the fp16 conversion.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/ops.h"
#include "ggml_cpu.h"
#include "simd_levels.h"

namespace ck::kernels {
namespace {

constexpr int64_t kLengths[] = {1, 7, 15, 16, 17, 31, 33, 64, 100, 257};
constexpr float kScales[] = {1e-30f, 1e-3f, 1.0f, 30.0f, 100.0f, 3e4f};

std::vector<float> random_row(std::mt19937& rng, int64_t n, float scale) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = scale * uniform(rng);
  return v;
}

template <class T>
void expect_same_bits(const std::vector<T>& want, const std::vector<T>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    if constexpr (std::is_same_v<T, float>) {
      if (std::isnan(want[i]) && std::isnan(got[i])) continue;
      ASSERT_EQ(std::bit_cast<uint32_t>(want[i]), std::bit_cast<uint32_t>(got[i]))
          << what << ", element " << i << ": " << want[i] << " vs " << got[i];
    } else {
      ASSERT_EQ(want[i], got[i]) << what << ", element " << i;
    }
  }
}

// Each SIMD level against the scalar reference; a level this CPU lacks is skipped, naming it.
class OpsLevels : public test::SimdLevelTest {
 protected:
  std::string name(const std::string& op, int64_t n, float scale) const {
    return op + " at " + std::string(isa_level_name(GetParam())) + ", n " + std::to_string(n) + ", scale " +
           std::to_string(scale);
  }
  std::mt19937 rng{1234};
};

TEST_P(OpsLevels, RmsNorm) {
  for (int64_t n : kLengths)
    for (float scale : kScales) {
      const std::vector<float> x = random_row(rng, n, scale), w = random_row(rng, n, 1.0f);
      std::vector<float> want(x.size()), got(x.size());
      rms_norm(x.data(), w.data(), want.data(), n, 1e-6f, IsaLevel::scalar);
      rms_norm(x.data(), w.data(), got.data(), n, 1e-6f, GetParam());
      expect_same_bits(want, got, name("rms_norm", n, scale));
    }
}

TEST_P(OpsLevels, SiluMulAndAdd) {
  for (int64_t n : kLengths)
    for (float scale : kScales) {
      const std::vector<float> g = random_row(rng, n, scale), u = random_row(rng, n, 2.0f);
      std::vector<float> want(g.size()), got(g.size());
      ggml_cpu::vec_silu(g.data(), want.data(), n, IsaLevel::scalar);
      ggml_cpu::vec_silu(g.data(), got.data(), n, GetParam());
      expect_same_bits(want, got, name("silu", n, scale));
      silu_mul(g.data(), u.data(), want.data(), n, IsaLevel::scalar);
      got = g;  // in place, as the engine calls it
      silu_mul(got.data(), u.data(), got.data(), n, GetParam());
      expect_same_bits(want, got, name("silu_mul", n, scale));
      want = g;
      add_inplace(want.data(), u.data(), n, IsaLevel::scalar);
      got = g;
      add_inplace(got.data(), u.data(), n, GetParam());
      expect_same_bits(want, got, name("add", n, scale));
    }
}

TEST_P(OpsLevels, SoftMaxWithEveryMaskEdge) {
  for (int64_t n : {16, 17, 32, 37, 64, 96})
    for (float scale : {1.0f, 8.0f, 300.0f})
      for (int64_t n_unmasked = 1; n_unmasked <= n; ++n_unmasked) {
        const std::vector<float> x = random_row(rng, n, scale);
        std::vector<float> want(x.size()), got(x.size());
        ggml_cpu::soft_max(x.data(), want.data(), n, n_unmasked, 0.125f, IsaLevel::scalar);
        ggml_cpu::soft_max(x.data(), got.data(), n, n_unmasked, 0.125f, GetParam());
        expect_same_bits(want, got, name("soft_max", n, scale) + ", unmasked " + std::to_string(n_unmasked));
      }
}

TEST_P(OpsLevels, SiluOfSpecialValues) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {0.0f,   -0.0f,   kInf,   -kInf,   88.0f, -88.0f, 133.0f, -133.0f,
                          200.0f, -200.0f, 1e-40f, -1e-40f, 3e38f, -3e38f, 87.3f,  -103.9f};
  std::vector<float> want(x.size()), got(x.size());
  ggml_cpu::vec_silu(x.data(), want.data(), 16, IsaLevel::scalar);
  ggml_cpu::vec_silu(x.data(), got.data(), 16, GetParam());
  expect_same_bits(want, got, "silu of special values");
  // Exponents from -192 to 192 and beyond, where ggml_v_expf's scalef leaves and re-enters the normals.
  for (float start = -140.0f; start < 140.0f; start += 16 * 0.37f) {
    for (size_t l = 0; l < 16; ++l) x[l] = -(start + 0.37f * static_cast<float>(l));
    ggml_cpu::vec_silu(x.data(), want.data(), 16, IsaLevel::scalar);
    ggml_cpu::vec_silu(x.data(), got.data(), 16, GetParam());
    expect_same_bits(want, got, "silu from " + std::to_string(start));
  }
}

TEST_P(OpsLevels, RopeBothLayouts) {
  for (bool neox : {false, true})
    for (int64_t n_dims : {2, 8, 14, 16, 28, 32, 64, 128})
      for (int64_t pos : {0, 1, 77, 4000}) {
        const int64_t head_dim = 128, n_heads = 3;
        RopeParams p{n_dims, neox, 10000.0f};
        if (pos == 77) p = RopeParams{n_dims, neox, 1e6f, 0.25f, 1.0f, 1.0f, 32.0f, 1.0f, 4096};  // YaRN
        std::vector<float> angles(static_cast<size_t>(n_dims));
        rope_angles(p, pos, angles.data());
        const std::vector<float> x = random_row(rng, n_heads * head_dim, 3.0f);
        std::vector<float> want = x, got = x;
        rope(want.data(), n_heads, head_dim, p, angles.data(), IsaLevel::scalar);
        rope(got.data(), n_heads, head_dim, p, angles.data(), GetParam());
        expect_same_bits(want, got, name(neox ? "rope neox" : "rope", n_dims, static_cast<float>(pos)));
      }
}

TEST_P(OpsLevels, KvStoreConvertsAndZeroesThePadding) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const int64_t n_kv_heads = 2, head_dim = 40, row = n_kv_heads * head_dim, capacity = 96;
  for (int64_t pos0 : {0, 5, 31, 60})
    for (int64_t n_tokens : {1, 3, 30}) {
      std::vector<float> k = random_row(rng, n_tokens * row, 7e4f), v = random_row(rng, n_tokens * row, 1.0f);
      k[0] = 1e-7f;  // an fp16 subnormal
      v[1] = kInf;
      std::vector<uint16_t> want_k(capacity * row, 0x7c00), want_v(want_k), got_k(want_k), got_v(want_k);
      kv_store({want_k.data(), want_v.data(), capacity, n_kv_heads, head_dim}, pos0, n_tokens, k.data(),
               v.data(), IsaLevel::scalar);
      kv_store({got_k.data(), got_v.data(), capacity, n_kv_heads, head_dim}, pos0, n_tokens, k.data(),
               v.data(), GetParam());
      expect_same_bits(want_k, got_k, name("kv_store k", n_tokens, static_cast<float>(pos0)));
      expect_same_bits(want_v, got_v, name("kv_store v", n_tokens, static_cast<float>(pos0)));
      const int64_t end = pos0 + n_tokens;
      for (int64_t p = end; p < llama_cpp::padded_kv_length(end); ++p) ASSERT_EQ(got_v[p], 0) << "cell " << p;
    }
}

INSTANTIATE_TEST_SUITE_P(Simd, OpsLevels, ::testing::ValuesIn(test::simd_levels()), test::simd_level_name);

TEST(OpsLevelsErrors, KvStoreRefusesACacheShorterThanItsPadding) {
  std::vector<uint16_t> k(40 * 8), v(40 * 8);
  const std::vector<float> x(8);
  EXPECT_THROW(kv_store({k.data(), v.data(), 40, 1, 8}, 39, 1, x.data(), x.data()), std::invalid_argument);
}

}  // namespace
}  // namespace ck::kernels
