// Weight quantizers against ggml's own: every 2-D tensor of the repository's tiny-llama-Q4_K_M model,
// dequantized, then quantized to each type here, must hash to what ggml_quantize_chunk (no importance
// matrix, as llama-quantize runs without one) wrote from the same values. The hashes were computed with
// ggml at the team's reference commit; the same comparison on all of ../shared's tiny-llama-F16 weights
// (11 M values) agreed byte for byte too. The quantized files in ../shared cannot serve directly: they were
// made from fp32 originals that no file keeps (their BF16 file is not the F16 file rounded to bf16).
// Plus the contract's edges: clear errors for sizes and types that do not fit, all-zero blocks.
#include "ckernel/kernels/quantize_weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/kernels/type_kernels.h"
#include "sha256.h"

namespace ck::kernels {
namespace {

std::vector<float> dequantize_tensor(const GgufTensorInfo& t) {
  std::vector<float> values(static_cast<size_t>(t.n_elements()));
  kernels_for(t.type).dequantize_row(t.data, values.data(), t.n_elements());
  return values;
}

struct Golden {
  TensorType type;
  const char* sha256;  // of all 2-D tensors quantized by ggml, concatenated in file order
};

class QuantizeLikeGgml : public ::testing::TestWithParam<Golden> {};

TEST_P(QuantizeLikeGgml, EveryTensorByteForByte) {
  const auto model = GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
  const TensorType type = GetParam().type;
  std::vector<std::byte> all;
  for (const GgufTensorInfo& t : model->tensors()) {
    if (t.ne.size() < 2) continue;
    const std::vector<float> values = dequantize_tensor(t);
    const size_t offset = all.size();
    all.resize(offset + row_bytes(type, t.n_elements()));
    quantize_weights(type, values, std::span(all).subspan(offset));
  }
  EXPECT_EQ(test::sha256_hex(all), GetParam().sha256);
}

INSTANTIATE_TEST_SUITE_P(
    Types, QuantizeLikeGgml,
    ::testing::Values(
        Golden{TensorType::f16, "755004af148574eae4948f93006a3e3a38b6c92026bd968af6d67c706b6a7afb"},
        Golden{TensorType::bf16, "bf0940f033a5ddae26dfe98e5d64d54e09bccccfc549df5ca23624ab3799c5da"},
        Golden{TensorType::q8_0, "42456ecb6aa53564a0804f7897251001ad8a9dfb8fa2e681575ee28b7099b4b6"},
        Golden{TensorType::q4_0, "0ce3a4137be38b8ed88234622782a82d77308e15a0d58655b4b998f1a21fd1a2"},
        Golden{TensorType::q5_0, "078f0c381e9d06110eaf89f60185b8f2a28726a26cf41538f7c3f640987a622e"},
        Golden{TensorType::q5_1, "c8c086ff9f64bb5f4f6d41503a313e0360d568fbe00844fc889a1bb2b454e4b8"},
        Golden{TensorType::q4_k, "cfb0da7ff7e8662aa1d68548494a37d1c5a059db271286a1b5d2613bc181df28"},
        Golden{TensorType::q5_k, "6879357cdf1e7f931fa8f987838ad4e5e0461dea70139773891b5cf6fee5a99e"},
        Golden{TensorType::q6_k, "547d7b99534aa4e85eb8ddaf6249c5a5edc93b5b8683705a70665647dd36345c"}),
    [](const auto& info) { return std::string(type_name(info.param.type)); });

TEST(QuantizeWeights, RefusesWhatDoesNotFit) {
  std::vector<float> values(40);
  std::vector<std::byte> out(row_bytes(TensorType::q8_0, 32));
  try {
    quantize_weights(TensorType::q8_0, values, out);
    FAIL() << "40 values are not whole Q8_0 blocks";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "40 values are not whole Q8_0 blocks of 32");
  }
  values.resize(64);
  EXPECT_THROW(quantize_weights(TensorType::q8_0, values, out), std::invalid_argument);  // out too small
  EXPECT_FALSE(can_quantize_weights(TensorType::q2_k));
  EXPECT_THROW(quantize_weights(TensorType::q2_k, values, out), std::invalid_argument);
}

TEST(QuantizeWeights, ZerosStayZeros) {
  const std::vector<float> zeros(256, 0.0f);
  for (TensorType type :
       {TensorType::q8_0, TensorType::q4_0, TensorType::q5_0, TensorType::q5_1, TensorType::q4_k,
        TensorType::q5_k, TensorType::q6_k, TensorType::f16, TensorType::bf16}) {
    std::vector<std::byte> out(row_bytes(type, 256));
    quantize_weights(type, zeros, out);
    std::vector<float> back(256, 1.0f);
    kernels_for(type).dequantize_row(out.data(), back.data(), 256);
    EXPECT_EQ(back, zeros) << type_name(type);
  }
}

}  // namespace
}  // namespace ck::kernels
