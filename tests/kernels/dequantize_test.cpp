// Dequantization, two ways:
//  - Fixtures (tests/data/fixtures/dequant/<TYPE>.json): one real tensor per type from the team's
//    models, dequantized whole and compared bit for bit with ggml's own C dequantization (the first 512
//    values as big-endian f32 hex, all values through SHA-256 of their little-endian f32 bytes).
//  - Hand-built blocks: random quants and scales packed by an encoder written here from the format
//    description, then dequantized and compared bitwise with ggml's formula for each element.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/json/json.h"
#include "ckernel/kernels/half.h"
#include "ckernel/kernels/type_kernels.h"
#include "kernel_test_util.h"
#include "sha256.h"

namespace ck::kernels {
namespace {

using test::Bytes;
using test::put_u16;

// ---------------------------------------------------------------------------------------------------
// Fixtures

const char* const kFixtureTypes[] = {"F16", "BF16", "Q4_0", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"};

std::string first_existing(const std::vector<std::string>& candidates) {
  for (const std::string& path : candidates)
    if (std::filesystem::exists(path)) return path;
  return {};
}

uint32_t parse_hex_word(std::string_view hex) {
  uint32_t v = 0;
  for (char c : hex) v = v << 4 | static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return v;
}

class DequantizeFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(DequantizeFixture, BitExactWithGgml) {
  const std::string type = GetParam();
  const std::vector<std::string> fixture_places = {
      std::string(CK_TEST_DATA_DIR) + "/fixtures/dequant/" + type + ".json",
      std::string(CK_SHARED_DIR) + "/fixtures/dequant/" + type + ".json"};
  const std::string fixture_path = first_existing(fixture_places);
  if (fixture_path.empty())
    GTEST_SKIP() << "no fixture " << type << ".json in " << fixture_places[0] << " or " << fixture_places[1];
  const Json fixture = Json::parse_file(fixture_path);

  const std::string model = fixture.at("model").string();
  const std::vector<std::string> model_places = {std::string(CK_TEST_DATA_DIR) + "/models/" + model,
                                                 std::string(CK_SHARED_DIR) + "/models/" + model};
  const std::string model_path = first_existing(model_places);
  if (model_path.empty())
    GTEST_SKIP() << "model " << model << " is in neither " << model_places[0] << " nor " << model_places[1];

  const std::unique_ptr<GgufFile> file = GgufFile::open(model_path);
  const GgufTensorInfo* tensor = file->find_tensor(fixture.at("tensor").string());
  ASSERT_NE(tensor, nullptr) << fixture.at("tensor").string() << " not in " << model_path;
  ASSERT_EQ(type_name(tensor->type), type) << "the fixture's tensor has another type";
  const Json::Array& shape = fixture.at("shape_ne").array();
  ASSERT_EQ(tensor->ne.size(), shape.size());
  for (size_t i = 0; i < shape.size(); ++i) ASSERT_EQ(tensor->ne[i], shape[i].integer());
  ASSERT_EQ(tensor->n_elements(), fixture.at("n_values").integer());

  const int64_t row_length = tensor->ne[0];
  const int64_t rows = tensor->n_elements() / row_length;
  const size_t stride = row_bytes(tensor->type, row_length);
  ASSERT_EQ(stride * static_cast<size_t>(rows), tensor->n_bytes);
  const DequantizeRowFn dequantize = kernels_for(tensor->type).dequantize_row;

  const std::string& first_hex = fixture.at("first_512_values_f32_hex").string();
  ASSERT_EQ(first_hex.size(), 512u * 8);
  ck::test::Sha256 sha;
  std::vector<float> row(static_cast<size_t>(row_length));
  std::vector<uint8_t> little_endian(row.size() * 4);
  int64_t index = 0;
  int mismatches = 0;
  for (int64_t r = 0; r < rows; ++r) {
    dequantize(tensor->data + static_cast<size_t>(r) * stride, row.data(), row_length);
    for (size_t i = 0; i < row.size(); ++i, ++index) {
      const uint32_t bits = std::bit_cast<uint32_t>(row[i]);
      for (int byte = 0; byte < 4; ++byte)
        little_endian[4 * i + byte] = static_cast<uint8_t>(bits >> (8 * byte));
      if (index < 512) {
        const uint32_t expected = parse_hex_word(std::string_view(first_hex).substr(8 * index, 8));
        if (bits != expected && ++mismatches <= 10)
          ADD_FAILURE() << "value " << index << ": got 0x" << std::hex << bits << " (" << row[i]
                        << "), ggml 0x" << expected << " (" << std::bit_cast<float>(expected) << ")";
      }
    }
    sha.update(little_endian.data(), little_endian.size());
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(sha.finish_hex(), fixture.at("sha256_of_all_values_f32_le").string())
      << "over all " << index << " values";
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DequantizeFixture, ::testing::ValuesIn(kFixtureTypes),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

// ---------------------------------------------------------------------------------------------------
// Hand-built blocks

uint32_t bits_of(float f) { return std::bit_cast<uint32_t>(f); }

std::vector<float> dequantize(TensorType type, const Bytes& row, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  kernels_for(type).dequantize_row(row.data(), out.data(), n);
  return out;
}

// Sane random fp16 scale, returned with its fp32 value.
std::pair<uint16_t, float> random_scale(std::mt19937_64& rng) {
  const uint16_t h = test::random_half(rng, -10, 2);
  return {h, fp16_to_fp32(h)};
}

constexpr int kBlocks = 5;

// Q4_0 / Q5_0 / Q5_1 / Q8_0: element j of a block is q[j]; 4-bit parts of j and j + 16 share byte j.
TEST(DequantizeBlocks, Q4_0) {
  std::mt19937_64 rng(1);
  Bytes row(18 * kBlocks);
  std::vector<float> expected;
  for (int b = 0; b < kBlocks; ++b) {
    const auto [h, d] = random_scale(rng);
    put_u16(row, 18 * b, h);
    int q[32];
    for (int& v : q) v = static_cast<int>(rng() % 16);
    for (int j = 0; j < 16; ++j) row[18 * b + 2 + j] = static_cast<std::byte>(q[j] | q[j + 16] << 4);
    for (int j = 0; j < 32; ++j) expected.push_back(static_cast<float>(q[j] - 8) * d);
  }
  const std::vector<float> got = dequantize(TensorType::q4_0, row, 32 * kBlocks);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << i;
}

void build_q5(bool with_min, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t block_bytes = with_min ? 24 : 22;
  const size_t high_at = with_min ? 4 : 2;
  Bytes row(block_bytes * kBlocks);
  std::vector<float> expected;
  for (int b = 0; b < kBlocks; ++b) {
    const size_t base = block_bytes * b;
    const auto [h, d] = random_scale(rng);
    const auto [hm, m] = random_scale(rng);
    put_u16(row, base, h);
    if (with_min) put_u16(row, base + 2, hm);
    int q[32];
    uint32_t high = 0;
    for (int j = 0; j < 32; ++j) {
      q[j] = static_cast<int>(rng() % 32);
      high |= static_cast<uint32_t>(q[j] >> 4) << j;
    }
    for (int k = 0; k < 4; ++k) row[base + high_at + k] = static_cast<std::byte>(high >> (8 * k));
    for (int j = 0; j < 16; ++j)
      row[base + high_at + 4 + j] = static_cast<std::byte>((q[j] & 15) | (q[j + 16] & 15) << 4);
    for (int j = 0; j < 32; ++j)
      expected.push_back(with_min ? static_cast<float>(q[j]) * d + m : static_cast<float>(q[j] - 16) * d);
  }
  const std::vector<float> got =
      dequantize(with_min ? TensorType::q5_1 : TensorType::q5_0, row, 32 * kBlocks);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << i;
}

TEST(DequantizeBlocks, Q5_0) { build_q5(false, 2); }
TEST(DequantizeBlocks, Q5_1) { build_q5(true, 3); }

TEST(DequantizeBlocks, Q8_0) {
  std::mt19937_64 rng(4);
  Bytes row(34 * kBlocks);
  std::vector<float> expected;
  for (int b = 0; b < kBlocks; ++b) {
    const auto [h, d] = random_scale(rng);
    put_u16(row, 34 * b, h);
    for (int j = 0; j < 32; ++j) {
      const auto q = static_cast<int8_t>(rng());
      row[34 * b + 2 + j] = static_cast<std::byte>(q);
      expected.push_back(static_cast<float>(q) * d);
    }
  }
  const std::vector<float> got = dequantize(TensorType::q8_0, row, 32 * kBlocks);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << i;
}

// Packs eight 6-bit scales and mins into the 12 bytes of Q4_K/Q5_K: sub-blocks 0-3 in the low 6 bits of
// bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 with low nibbles in bytes 8-11 (scale low, min
// high) and their top two bits in bits 6-7 of bytes 0-3 (scales) and 4-7 (mins).
void pack_scales(const int (&scale)[8], const int (&min)[8], std::byte* out) {
  uint8_t b[12] = {};
  for (int j = 0; j < 4; ++j) {
    b[j] = static_cast<uint8_t>(scale[j] | (scale[j + 4] >> 4) << 6);
    b[j + 4] = static_cast<uint8_t>(min[j] | (min[j + 4] >> 4) << 6);
    b[j + 8] = static_cast<uint8_t>((scale[j + 4] & 15) | (min[j + 4] & 15) << 4);
  }
  std::memcpy(out, b, 12);
}

// Q4_K / Q5_K: element e = 64p + 32s + l (s = 0 low nibble, 1 high nibble of byte 32p + l) belongs to
// sub-block j = 2p + s; Q5_K's fifth bit is bit j of high_bits[l]. x = (d * scale_j) * q - dmin * min_j.
void build_k(bool five_bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t block_bytes = five_bits ? 176 : 144;
  const size_t quants_at = five_bits ? 48 : 16;
  Bytes row(block_bytes * kBlocks);
  std::vector<float> expected;
  for (int b = 0; b < kBlocks; ++b) {
    const size_t base = block_bytes * b;
    const auto [hd, d] = random_scale(rng);
    const auto [hdmin, dmin] = random_scale(rng);
    put_u16(row, base, hd);
    put_u16(row, base + 2, hdmin);
    int scale[8], min[8];
    for (int j = 0; j < 8; ++j) {
      scale[j] = static_cast<int>(rng() % 64);
      min[j] = static_cast<int>(rng() % 64);
    }
    pack_scales(scale, min, &row[base + 4]);
    uint8_t low[128] = {}, high[32] = {};
    int q[256];
    for (int e = 0; e < 256; ++e) {
      q[e] = static_cast<int>(rng() % (five_bits ? 32 : 16));
      const int p = e / 64, s = (e / 32) % 2, l = e % 32;
      low[32 * p + l] |= static_cast<uint8_t>((q[e] & 15) << (4 * s));
      if (q[e] & 16) high[l] |= static_cast<uint8_t>(1u << (2 * p + s));
    }
    std::memcpy(&row[base + quants_at], low, 128);
    if (five_bits) std::memcpy(&row[base + 16], high, 32);
    for (int e = 0; e < 256; ++e) {
      const int j = e / 32;
      const float scaled = d * static_cast<float>(scale[j]);
      const float offset = dmin * static_cast<float>(min[j]);
      expected.push_back(scaled * static_cast<float>(q[e]) - offset);
    }
  }
  const std::vector<float> got =
      dequantize(five_bits ? TensorType::q5_k : TensorType::q4_k, row, 256 * kBlocks);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << i;
}

TEST(DequantizeBlocks, Q4_K) { build_k(false, 5); }
TEST(DequantizeBlocks, Q5_K) { build_k(true, 6); }

// Q6_K: element e = 128h + 32k + l: low nibble from byte 64h + l (k = 0, 2) or 64h + 32 + l (k = 1, 3),
// the low nibble for k < 2 and the high one otherwise; top two bits at bit 2k of byte 32h + l of the
// high bits; x = (d * scale[e / 16]) * (q - 32) with signed 8-bit scales.
TEST(DequantizeBlocks, Q6_K) {
  std::mt19937_64 rng(7);
  Bytes row(210 * kBlocks);
  std::vector<float> expected;
  for (int b = 0; b < kBlocks; ++b) {
    const size_t base = 210 * b;
    uint8_t low[128] = {}, high[64] = {};
    int q[256];
    for (int e = 0; e < 256; ++e) {
      q[e] = static_cast<int>(rng() % 64);
      const int h = e / 128, k = (e / 32) % 4, l = e % 32;
      low[64 * h + 32 * (k % 2) + l] |= static_cast<uint8_t>((q[e] & 15) << (4 * (k / 2)));
      high[32 * h + l] |= static_cast<uint8_t>((q[e] >> 4) << (2 * k));
    }
    std::memcpy(&row[base], low, 128);
    std::memcpy(&row[base + 128], high, 64);
    int8_t scales[16];
    for (auto& s : scales) s = static_cast<int8_t>(rng());
    std::memcpy(&row[base + 192], scales, 16);
    const auto [hd, d] = random_scale(rng);
    put_u16(row, base + 208, hd);
    for (int e = 0; e < 256; ++e)
      expected.push_back(d * static_cast<float>(scales[e / 16]) * static_cast<float>(q[e] - 32));
  }
  const std::vector<float> got = dequantize(TensorType::q6_k, row, 256 * kBlocks);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(expected[i])) << i;
}

TEST(DequantizeBlocks, HalvesAndF32) {
  std::vector<uint16_t> halves(65536);
  for (uint32_t i = 0; i < 65536; ++i) halves[i] = static_cast<uint16_t>(i);
  Bytes row(halves.size() * 2);
  std::memcpy(row.data(), halves.data(), row.size());
  const std::vector<float> f16 = dequantize(TensorType::f16, row, 65536);
  const std::vector<float> bf16 = dequantize(TensorType::bf16, row, 65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    ASSERT_EQ(bits_of(f16[i]), bits_of(fp16_to_fp32(static_cast<uint16_t>(i))));
    ASSERT_EQ(bits_of(bf16[i]), i << 16);
  }
  const std::vector<float> f32 = dequantize(TensorType::f32, row, 32768);
  ASSERT_EQ(std::memcmp(f32.data(), row.data(), row.size()), 0);
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(ck::test::sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  EXPECT_EQ(ck::test::sha256_hex(std::as_bytes(std::span(abc))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(ck::test::sha256_hex(std::as_bytes(std::span(two_blocks))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a's fed in uneven pieces exercises the buffering.
  ck::test::Sha256 h;
  const std::string piece(997, 'a');
  size_t fed = 0;
  while (fed < 1'000'000) {
    const size_t take = std::min(piece.size(), 1'000'000 - fed);
    h.update(piece.data(), take);
    fed += take;
  }
  EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace ck::kernels
