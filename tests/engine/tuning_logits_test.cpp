// The key promise of kernel wisdom: a tuning changes speed, never a bit. Logits of real models after a
// prefill and after each decoded token are bitwise identical under the default tuning and under tunings
// far from it (no prefetch, one line ahead, 64 KiB ahead, the t0 and t1 hints, no spin, a 5 ms spin), at 1
// and 2 threads. (The tuning's third member, the instruction-set level, is tested bitwise against the
// scalar reference by tests/kernels/simd_equivalence_test at every level.)
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ckernel/engine/model.h"
#include "ckernel/engine/session.h"
#include "ckernel/kernels/kernel_tuning.h"

namespace ck {
namespace {

using kernels::KernelTuning;
using kernels::PrefetchHint;

// Logits after the prompt, then after each of a few decoded tokens, end to end.
std::vector<float> run_logits(const std::shared_ptr<const Model>& model, int threads) {
  Session session(model, SessionOptions{.n_ctx = 64, .n_threads = threads});
  const std::vector<TokenId> prompt =
      model->tokenizer().encode("It was a fine morning, and the two sisters were", true, true);
  std::vector<float> all;
  session.eval(prompt);
  all.insert(all.end(), session.logits().begin(), session.logits().end());
  const std::vector<TokenId> decoded = {prompt[1], prompt[2], prompt[3], prompt[1]};
  for (const TokenId token : decoded) {
    session.eval(std::span(&token, 1));
    all.insert(all.end(), session.logits().begin(), session.logits().end());
  }
  return all;
}

std::vector<KernelTuning> tunings() {
  std::vector<KernelTuning> list;
  const auto with = [&](size_t distance, PrefetchHint hint, int spin_us, int decode_tile_rows) {
    KernelTuning t;
    t.prefetch = {distance, hint};
    t.spin = std::chrono::microseconds(spin_us);
    t.decode_tile_rows = decode_tile_rows;
    list.push_back(t);
  };
  with(0, PrefetchHint::nta, 100, 2);
  with(64, PrefetchHint::t0, 0, 8);
  with(65536, PrefetchHint::t1, 5000, 0);
  with(4096, PrefetchHint::t1, 0, 4);
  with(8192, PrefetchHint::t0, 5000, 8);
  return list;
}

class TuningLogits : public ::testing::TestWithParam<const char*> {};

TEST_P(TuningLogits, AreBitwiseIdenticalUnderEveryTuning) {
  const std::string path = std::string(CK_TEST_DATA_DIR) + "/models/" + GetParam();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not in tests/data";
  const auto model = Model::load(path);
  const KernelTuning saved = kernels::kernel_tuning();
  kernels::set_kernel_tuning(KernelTuning{});
  const std::vector<float> reference = run_logits(model, 1);
  ASSERT_FALSE(reference.empty());
  for (const KernelTuning& tuning : tunings()) {
    kernels::set_kernel_tuning(tuning);
    for (const int threads : {1, 2}) {
      const std::vector<float> logits = run_logits(model, threads);
      ASSERT_EQ(logits.size(), reference.size());
      EXPECT_EQ(std::memcmp(logits.data(), reference.data(), logits.size() * sizeof(float)), 0)
          << GetParam() << ": prefetch " << tuning.prefetch.distance << " "
          << kernels::prefetch_hint_name(tuning.prefetch.hint) << ", spin " << tuning.spin.count() << " us, "
          << threads << " threads";
    }
  }
  kernels::set_kernel_tuning(saved);
}

INSTANTIATE_TEST_SUITE_P(Models, TuningLogits,
                         ::testing::Values("ckernel-en-Q8_0.gguf", "tiny-llama-Q4_K_M.gguf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace ck
