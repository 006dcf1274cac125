// sgemm against its contract, bit for bit: every C element is the chain c = fma(a_ip, b_pj, c) over
// p = 0 .. k-1 in order, from +0 or from C's old value, at every instruction-set level (each level a test
// parameter; run again under each CK_ISA for the default level), for any pool size, serial or not.
#include "ckernel/kernels/sgemm.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/cpu_features.h"

namespace ck::kernels {
namespace {

// Sizes around every level's register tile (scalar 4 x 8, AVX2 6 x 16, AVX-512 14 x 32) and its blocks
// of k and rows, up to 300.
constexpr int64_t kSizes[] = {1,   2,   3,   4,   5,   6,   7,   8,   9,   12,  13,  14, 15,  16,
                              17,  28,  29,  31,  32,  33,  47,  48,  63,  64,  65,  97, 127, 128,
                              129, 191, 192, 193, 223, 224, 225, 255, 256, 257, 299, 300};

// An operand and C with their storage: rows of `width` floats at stride `ld`, the gap filled with a
// sentinel that sgemm must neither read into C nor overwrite.
struct Matrix {
  int64_t rows = 0, width = 0, ld = 0;
  std::vector<float> data;
  float& at(int64_t r, int64_t c) { return data[static_cast<size_t>(r * ld + c)]; }
  float at(int64_t r, int64_t c) const { return data[static_cast<size_t>(r * ld + c)]; }
};

constexpr float kSentinel = -12345.5f;

Matrix random_matrix(std::mt19937& rng, int64_t rows, int64_t width, int64_t gap) {
  // Magnitudes spread over many binades, so that any other order of the sum changes bits.
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-6, 6);
  Matrix m{rows, width, width + gap, {}};
  m.data.assign(static_cast<size_t>(std::max<int64_t>(rows * m.ld, 1)), kSentinel);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < width; ++c) m.at(r, c) = std::ldexp(normal(rng), exponent(rng));
  return m;
}

struct Problem {
  Transpose ta, tb;
  int64_t m, n, k;
  Matrix a, b, c;  // c: C before the call
  bool accumulate;

  SgemmOperands operands(float* out) const {
    return {ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, out, c.ld, accumulate};
  }
};

Problem make_problem(std::mt19937& rng, Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k,
                     int64_t gap, bool accumulate) {
  Problem p{ta, tb, m, n, k, {}, {}, {}, accumulate};
  p.a = ta == Transpose::no ? random_matrix(rng, m, k, gap) : random_matrix(rng, k, m, gap);
  p.b = tb == Transpose::no ? random_matrix(rng, k, n, gap) : random_matrix(rng, n, k, gap);
  p.c = random_matrix(rng, m, n, gap);
  return p;
}

// The contract itself: the naive loop over std::fma.
std::vector<float> reference(const Problem& p) {
  std::vector<float> out = p.c.data;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      float c = p.accumulate ? p.c.at(i, j) : 0.0f;
      for (int64_t q = 0; q < p.k; ++q) {
        const float a = p.ta == Transpose::no ? p.a.at(i, q) : p.a.at(q, i);
        const float b = p.tb == Transpose::no ? p.b.at(q, j) : p.b.at(j, q);
        c = std::fma(a, b, c);
      }
      out[static_cast<size_t>(i * p.c.ld + j)] = c;
    }
  return out;
}

std::string describe(const Problem& p, const std::string& how) {
  return how + ": m " + std::to_string(p.m) + ", n " + std::to_string(p.n) + ", k " + std::to_string(p.k) +
         (p.ta == Transpose::yes ? ", A^T" : "") + (p.tb == Transpose::yes ? ", B^T" : "") + ", ld +" +
         std::to_string(p.c.ld - p.n) + (p.accumulate ? ", accumulate" : "");
}

// Bitwise, gaps included (they must still hold the sentinel).
void expect_same_bits(const std::vector<float>& want, const std::vector<float>& got,
                      const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(want[i]), std::bit_cast<uint32_t>(got[i]))
        << what << ", element " << i << ": " << want[i] << " vs " << got[i];
}

constexpr Transpose kTransposes[] = {Transpose::no, Transpose::yes};

// Every level, the scalar reference included; a level this CPU lacks is skipped, naming it.
class Sgemm : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    const IsaLevel best = best_isa_level(detect_cpu_features());
    if (GetParam() > best)
      GTEST_SKIP() << "this CPU lacks " << isa_level_name(GetParam()) << ": nothing to compare at that level";
  }

  // sgemm_serial and sgemm on pools of 1, 2 and 3 threads, each against the reference.
  void check(const Problem& p) {
    const std::vector<float> want = reference(p);
    std::vector<float> got = p.c.data;
    sgemm_serial(p.operands(got.data()), scratch_, GetParam());
    expect_same_bits(want, got, describe(p, "serial"));
    for (ThreadPool* pool : {&one_, &two_, &three_}) {
      got = p.c.data;
      sgemm(p.operands(got.data()), *pool, scratch_, GetParam());
      expect_same_bits(want, got, describe(p, std::to_string(pool->size()) + " threads"));
    }
  }

  std::mt19937 rng_{20261203};
  SgemmScratch scratch_;  // shared by every call, as a training step would
  ThreadPool one_{1}, two_{2}, three_{3};
};

TEST_P(Sgemm, EverySizeInEachDimension) {
  // Each size in one dimension with the others fixed at awkward values, for every transpose pair.
  for (Transpose ta : kTransposes)
    for (Transpose tb : kTransposes)
      for (int64_t s : kSizes) {
        check(make_problem(rng_, ta, tb, s, 37, 19, 0, false));
        check(make_problem(rng_, ta, tb, 21, s, 23, 0, false));
        check(make_problem(rng_, ta, tb, 15, 33, s, 0, true));
        if (HasFatalFailure()) return;
      }
}

TEST_P(Sgemm, RandomShapesStridesAndAccumulation) {
  std::uniform_int_distribution<size_t> size(0, std::size(kSizes) - 1);
  std::uniform_int_distribution<int64_t> gap(0, 5);
  for (int i = 0; i < 60; ++i) {
    const Transpose ta = kTransposes[i % 2], tb = kTransposes[(i / 2) % 2];
    check(make_problem(rng_, ta, tb, kSizes[size(rng_)], kSizes[size(rng_)], kSizes[size(rng_)], gap(rng_),
                       (i / 4) % 2 == 1));
    if (HasFatalFailure()) return;
  }
}

TEST_P(Sgemm, LargerThanOneBlockInEveryDimension) {
  // More than one block of k, of rows and of columns at every level, with the training model's layouts.
  // (Blocks of 512 k, 224 rows, 4096 columns at most.)
  check(make_problem(rng_, Transpose::no, Transpose::yes, 230, 70, 530, 3, false));
  check(make_problem(rng_, Transpose::yes, Transpose::no, 257, 70, 530, 0, true));
  check(make_problem(rng_, Transpose::no, Transpose::no, 9, 4130, 20, 1, true));
}

TEST_P(Sgemm, EmptyDimensions) {
  for (Transpose ta : kTransposes)
    for (Transpose tb : kTransposes)
      for (bool accumulate : {false, true}) {
        check(make_problem(rng_, ta, tb, 7, 9, 0, 2, accumulate));  // C = 0, or C unchanged
        check(make_problem(rng_, ta, tb, 0, 9, 5, 2, accumulate));
        check(make_problem(rng_, ta, tb, 7, 0, 5, 2, accumulate));
      }
}

TEST_P(Sgemm, SignedZerosInfinitiesAndNaNs) {
  // The chain from +0: a product of -0 gives +0; infinities and NaNs propagate as the chain has them.
  Problem p = make_problem(rng_, Transpose::no, Transpose::no, 20, 40, 9, 1, false);
  for (int64_t i = 0; i < 20; ++i) p.a.at(i, 0) = -0.0f;
  for (int64_t q = 0; q < 9; ++q) p.a.at(3, q) = q % 2 == 0 ? -0.0f : 0.0f;
  p.a.at(5, 4) = std::numeric_limits<float>::infinity();
  p.b.at(2, 7) = std::numeric_limits<float>::quiet_NaN();
  p.b.at(4, 8) = -std::numeric_limits<float>::infinity();
  check(p);
  p.accumulate = true;
  for (int64_t j = 0; j < 40; ++j) p.c.at(3, j) = -0.0f;
  check(p);
}

TEST_P(Sgemm, SerialCallsInsideParallelFor) {
  // Attention's use: one product per head, each on its own thread with its own scratch.
  constexpr int kHeads = 6;
  std::vector<Problem> heads;
  for (int h = 0; h < kHeads; ++h)
    heads.push_back(make_problem(rng_, Transpose::no, h % 2 == 0 ? Transpose::yes : Transpose::no, 64 + h, 64,
                                 32 + h, 0, false));
  std::vector<std::vector<float>> got(kHeads);
  std::vector<SgemmScratch> scratch(kHeads);
  three_.parallel_for(kHeads, [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) {
      got[static_cast<size_t>(h)] = heads[static_cast<size_t>(h)].c.data;
      sgemm_serial(heads[static_cast<size_t>(h)].operands(got[static_cast<size_t>(h)].data()),
                   scratch[static_cast<size_t>(h)], GetParam());
    }
  });
  for (int h = 0; h < kHeads; ++h)
    expect_same_bits(reference(heads[static_cast<size_t>(h)]), got[static_cast<size_t>(h)],
                     describe(heads[static_cast<size_t>(h)], "inside parallel_for"));
}

TEST(SgemmDefaultLevel, MatchesTheContract) {
  // The level CK_ISA selects (or the CPU's best), called as the engine calls it, without a level.
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> size(0, std::size(kSizes) - 1);
  SgemmScratch scratch;
  ThreadPool pool(2);
  for (int i = 0; i < 24; ++i) {
    const Transpose ta = kTransposes[i % 2], tb = kTransposes[(i / 2) % 2];
    const Problem p =
        make_problem(rng, ta, tb, kSizes[size(rng)], kSizes[size(rng)], kSizes[size(rng)], i % 3, i % 5 == 0);
    const std::vector<float> want = reference(p);
    std::vector<float> got = p.c.data;
    sgemm(p.operands(got.data()), pool, scratch);
    expect_same_bits(want, got, describe(p, "default level"));
    got = p.c.data;
    sgemm_serial(p.operands(got.data()), scratch);
    expect_same_bits(want, got, describe(p, "default level, serial"));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(SgemmLevels, LevelBeyondTheCpuIsRefused) {
  const IsaLevel best = best_isa_level(detect_cpu_features());
  if (best == kAllIsaLevels.back()) GTEST_SKIP() << "this CPU has every level";
  SgemmScratch scratch;
  float a = 1, b = 1, c = 0;
  const SgemmOperands p{Transpose::no, Transpose::no, 1, 1, 1, &a, 1, &b, 1, &c, 1, false};
  EXPECT_THROW(sgemm_serial(p, scratch, static_cast<IsaLevel>(static_cast<int>(best) + 1)),
               std::invalid_argument);
}

std::string level_name(const ::testing::TestParamInfo<IsaLevel>& info) {
  return std::string(isa_level_name(info.param));
}

INSTANTIATE_TEST_SUITE_P(Levels, Sgemm, ::testing::ValuesIn(kAllIsaLevels), level_name);

}  // namespace
}  // namespace ck::kernels
