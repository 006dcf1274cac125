// The SIMD levels that the level-against-reference tests run at, as test parameters. A level this CPU
// lacks is skipped with a message naming it, so that a CPU without AVX2 (or AVX-512) shows skipped
// tests instead of tests that pass without comparing anything.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/kernels/isa_level.h"

namespace ck::kernels::test {

// Every level but the scalar reference, whether this CPU has it or not.
inline std::vector<IsaLevel> simd_levels() {
  std::vector<IsaLevel> levels;
  for (IsaLevel level : kAllIsaLevels)
    if (level != IsaLevel::scalar) levels.push_back(level);
  return levels;
}

// A test whose parameter is one SIMD level; skipped, naming the level, on a CPU without it.
class SimdLevelTest : public ::testing::TestWithParam<IsaLevel> {
 protected:
  void SetUp() override {
    const IsaLevel best = best_isa_level(detect_cpu_features());
    if (GetParam() > best)
      GTEST_SKIP() << "this CPU lacks " << isa_level_name(GetParam()) << " (its best level is "
                   << isa_level_name(best) << "): nothing to compare at that level";
  }
};

// The parameter's name in the test's name: Simd/OpsLevels.RmsNorm/avx512.
inline std::string simd_level_name(const ::testing::TestParamInfo<IsaLevel>& info) {
  return std::string(isa_level_name(info.param));
}

}  // namespace ck::kernels::test
