// Bit-exact regression tests of the element-wise ops and attention against ggml's CPU backend.
//
// The expected bits below come from ggml at llama_cpp::kGgmlCommit (the ggml of llama_cpp::kCommit) built
// natively (GGML_NATIVE, GGML_LLAMAFILE=ON, GCC 12, AVX-512 F/BW/VL/DQ/VNNI/BF16, FMA, F16C) and run on the
// CPU backend with 1 thread, on the inputs generated here: ggml_soft_max_ext with a -inf/0 mask, ggml_silu
// and ggml_mul, ggml_rms_norm and ggml_mul, ggml_rope_ext (separate output, as in llama.cpp), ggml_mul_mat of
// F16 rows with 1 column (ggml_vec_dot_f16) and 2 columns (tinyBLAS), and llama.cpp's attention graph
// without flash attention (K view * permuted q, soft_max_ext with scale 1/sqrt(head_dim) and the causal
// mask over n_kv = used cells padded to 32, transposed V view * kq, permute and cont).
#include "ckernel/kernels/ops.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/thread_pool.h"
#include "ckernel/kernels/type_kernels.h"
#include "ggml_cpu.h"

namespace ck::kernels {
namespace {

// Uniform in [-1, 1) on a 2^-23 grid (exact in float), from a 64-bit LCG: the generator the goldens used.
struct Lcg {
  uint64_t s;
  explicit Lcg(uint64_t seed) : s(seed) {}
  float next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(static_cast<int64_t>(s >> 40) - (int64_t{1} << 23)) * 0x1p-23f;
  }
};

std::vector<float> gen(Lcg& r, size_t n, float scale) {
  std::vector<float> v(n);
  for (float& x : v) x = scale * r.next();
  return v;
}

// FNV-1a over the little-endian bytes of the floats' bits.
uint64_t fnv(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;
  for (float f : v) {
    const uint32_t b = std::bit_cast<uint32_t>(f);
    for (int k = 0; k < 4; ++k) {
      h ^= (b >> (8 * k)) & 0xff;
      h *= 1099511628211ull;
    }
  }
  return h;
}

template <size_t N>
void expect_bits(const std::vector<float>& got, const uint32_t (&want)[N]) {
  ASSERT_EQ(got.size(), N);
  for (size_t i = 0; i < N; ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(got[i]), want[i])
        << "element " << i << ": " << got[i] << " vs ggml " << std::bit_cast<float>(want[i]);
}

// clang-format off
constexpr uint32_t kSoftMax37[37] = {
    0x3c7b52dd, 0x3ca05b4a, 0x3ced8f13, 0x3c603843, 0x3d340fad, 0x3c9c5f3e, 0x3cb5e124, 0x3bb6b60b,
    0x3d4c15b2, 0x3c05161f, 0x3d1c74c5, 0x3cacc3b8, 0x3d2e2b1c, 0x3c3a22c5, 0x3c173612, 0x3d1e4e5b,
    0x3c7c44d9, 0x3cbf7dfe, 0x3cdce2f5, 0x3c06e6ad, 0x3d5bc166, 0x3d9792e1, 0x3cb3bd8c, 0x3cdc3f59,
    0x3c62fbaa, 0x3d307281, 0x3cc93c9d, 0x3bb15d73, 0x3d915540, 0x3d69e248, 0x3c292622, 0x3ce830d7,
    0x3c3c1a53, 0x3cb2732e, 0x3cae8ee4, 0x3c193a16, 0x3d367eae,
};
constexpr uint32_t kSoftMax64Masked50[64] = {
    0x3be0b293, 0x3b8c640d, 0x3c1ea2c8, 0x3bfc65ed, 0x3ccae964, 0x3d882566, 0x3c3855e7, 0x3cad2be7,
    0x3c16d1c5, 0x3be23565, 0x3ca2a919, 0x3b8abdbf, 0x3bdfce45, 0x3c748243, 0x3c16ced7, 0x3cc986aa,
    0x3b870104, 0x3cb4c9f2, 0x3d8339b5, 0x3c36ddcd, 0x3d6cc364, 0x3d31d5e3, 0x3ba4603f, 0x3c1432c3,
    0x3cc9e638, 0x3c02724f, 0x3d34643e, 0x3cd7b1b0, 0x3babd430, 0x3c9648c2, 0x3bfbc84b, 0x3d5d6635,
    0x3bbddfc6, 0x3c89cf8f, 0x3bf2491e, 0x3c3137d7, 0x3d85b2ca, 0x3d1aba1a, 0x3d7e26a3, 0x3b947218,
    0x3c3bd454, 0x3cbcbd3d, 0x3ca82ccb, 0x3c8010d1, 0x3bb0a6f5, 0x3c675ed6, 0x3ba5538b, 0x3bc625ad,
    0x3c0ac42f, 0x3cdc10db, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
};
constexpr uint32_t kSilu53[53] = {
    0x40cda7de, 0x41202a56, 0x409184f9, 0xbdf829e1, 0xbbcc7427, 0xbe8d48eb, 0xb9114e6d, 0x40d2cddb,
    0xbba443ee, 0x412ce9a2, 0x410988d9, 0x409d57bf, 0x3e8c7d10, 0x3f1febbc, 0x3fc2d345, 0xbd270fa2,
    0xbd99fa06, 0xbb3aeb25, 0xb91d3b1b, 0x413e77ec, 0xb95e608e, 0xbbd8b9b0, 0xbc206457, 0xb97b59f4,
    0xbd03f886, 0xba8c6eea, 0xb8a4fe64, 0x40848a51, 0x4107d4a3, 0xbb4d0f8b, 0xbcc5ace2, 0xbc19fad2,
    0x4138e9eb, 0x411f846d, 0xbe588576, 0x40cee62b, 0x411c499e, 0x40f73bec, 0x3edf3d0c, 0xbe195c12,
    0xbe05ce64, 0xbc261f36, 0x40ca9db7, 0x3fffdd4c, 0x40609a26, 0xbdc3e809, 0x3fdae7e5, 0x402df2a1,
    0x41344364, 0xb8c10ec5, 0xba7ba86c, 0x3fe55269, 0xbd3572a2,
};
constexpr uint32_t kSiluMul53[53] = {
    0xc13d12b9, 0xc1896b8d, 0xc0c8617f, 0x3dc061f6, 0xbbae7582, 0x3eced377, 0xb8da18c2, 0x3fb5fb81,
    0x3a83f670, 0xc180167c, 0xc157f669, 0xc085aeb6, 0x3f03d300, 0xbf4eb494, 0xc03a512f, 0xbd384bbe,
    0xbd668810, 0x3b1cc85d, 0x392c0ab5, 0x3ebbdda8, 0xb89bfb94, 0x3c056eab, 0xbc6044be, 0xb9acae20,
    0x3d108cc4, 0x3b069874, 0xb8d68a3b, 0x3f9c78b7, 0xc024b1b6, 0x3b26d5b4, 0xbcaaf56b, 0x3c733b56,
    0xc174c629, 0xc19e3c56, 0x3e9d0313, 0x40af274e, 0xc147d017, 0x41236ba1, 0x3f4d6323, 0xbe5bc031,
    0xbc04e953, 0xbc160490, 0xc12db92d, 0x402d8aac, 0x3f8cffa3, 0xbe2f8007, 0x404aa0a6, 0x3f0e970b,
    0xbf4eb769, 0xb9341a10, 0xbaa6b9b6, 0xbfe23b99, 0x3cdc07ff,
};
constexpr uint32_t kAttentionDecode[64] = {
    0x3f8d10f3, 0x3f6bcdcf, 0xbf85b419, 0xbece5a75, 0xbf89db1c, 0xbeb79d7d, 0xbfbcc83a, 0x3fc63349,
    0x3fa1f1ba, 0xbf8bef08, 0xbec07871, 0xbfdb9da6, 0xbf6c7ee4, 0x3f47378a, 0x3ee30058, 0x3f917af9,
    0xbf4d2168, 0xbfc5cb9f, 0xbfbb5d8d, 0xbf4a8f69, 0xbf8f7fc1, 0x3f3fe889, 0xbdcbdb6e, 0x3f20594a,
    0x3f67b7ec, 0xbf4d41c6, 0xbf409f32, 0xbf34e9af, 0xbf314700, 0x3eee11ee, 0x3d121957, 0xbf0c2af1,
    0x3f3222f6, 0xbe424dd6, 0xbfc5bb3b, 0xbf5e6cfb, 0x3f7bf47d, 0xbf5c748e, 0x3f37c264, 0x3e1bc428,
    0xbf98b149, 0xbf5edf66, 0xbb5dac40, 0xbf6ea80a, 0x3f874194, 0xbe82de69, 0xbf087999, 0x3f988e5b,
    0xbdf815e0, 0xbed32d9a, 0xbfa50b13, 0x3ee058e0, 0xbe28a0b6, 0x3c2000c0, 0xbe88e51e, 0xbf0f32ac,
    0x3f02929c, 0x3e39e9c0, 0xbfd1d880, 0x3d3fb7c4, 0xbfa25585, 0x3f9ee632, 0x3f13817c, 0x3ec4d5ac,
};
constexpr uint32_t kAttentionBatch3[192] = {
    0x3f63251f, 0x3f49aa34, 0xbfa512ab, 0xbec7f500, 0xbea29430, 0xbeb6c772, 0xbe43c140, 0x3e86b1de,
    0x3e9c0fca, 0xbe891c98, 0xbe5dd0d0, 0xbfaf2926, 0xbd31c340, 0x3f1c5fcc, 0x3e298ad8, 0x3f72b71b,
    0xbed92d18, 0xbf0602bc, 0xbf8fea6c, 0xbe887100, 0xbede26b6, 0x3f30ec81, 0x3e66c638, 0xbe83aca2,
    0x3f7a3ddc, 0xbefd3dfc, 0xbf644996, 0xbf44d49d, 0xbec8bdcc, 0x3f3d83de, 0xbee4c5e8, 0x3eaa9c74,
    0x3f478d54, 0x3f3596fe, 0xbfb17763, 0xbec2374c, 0xbd6cecc0, 0xbeb20df4, 0x3e639110, 0xbd8d8dcc,
    0xbdec7ca0, 0xbe108cf0, 0xbde87cd0, 0xbf9d665b, 0x3eda8690, 0x3f031140, 0x3d0536e0, 0x3f736340,
    0xbe9003d2, 0xbe572cd0, 0xbf756350, 0x3da66fd0, 0xbe6b0246, 0x3ee1e7f4, 0x3e99a3c6, 0xbed87e7c,
    0x3f687a88, 0xbed7b3f8, 0xbf7f4e56, 0xbf15218d, 0xbeb40824, 0x3f65be56, 0xbeec8564, 0x3f19e318,
    0x3f716a9e, 0x3fa7ba8f, 0xbf9323a5, 0xbd1e14d0, 0xbfa34352, 0xbb323680, 0xbf94c0a9, 0x3f87f4ae,
    0x3f940219, 0xbf50f521, 0xbe860147, 0xbfd51fbb, 0xbe62de1c, 0x3f854824, 0x3ee819f6, 0x3f95c875,
    0xbf3001f9, 0xbf783d11, 0xbf6e5194, 0xbe168748, 0xbf5c6764, 0x3e8e169c, 0x3ea5ed76, 0x3f2121cc,
    0x3f6c62ae, 0xbf8ada56, 0xbf2545c9, 0xbefce119, 0xbe3cb904, 0x3f24b605, 0xbecb0ed8, 0xbd3197e8,
    0x3f21bb92, 0x3f6b5d08, 0xbfb891cc, 0xbe31f34e, 0xbe4a3d20, 0xbdfe2704, 0x3edd7940, 0xbead58ec,
    0xbea2991c, 0x3d842150, 0x3d6e4660, 0xbf93f944, 0x3f73858d, 0x3f21e504, 0x3d8ea2a0, 0x3f72942b,
    0xbe1c49c0, 0x3e15a816, 0xbf0ef623, 0x3f16d992, 0xbdbe23f8, 0xbd713180, 0x3f0a12c8, 0xbe9c8826,
    0x3f51a15b, 0xbf242a27, 0xbf726538, 0xbe88dc2e, 0xbd32c2b0, 0x3f834866, 0xbf21c9ef, 0x3f6c3933,
    0x3f08a550, 0x3e871a58, 0xbfaecf35, 0xbf3582e6, 0x3e96259c, 0xbf0cc3c2, 0x3f2e6e11, 0xbe512c82,
    0xbf923664, 0x3ea05f37, 0x3ed20e7a, 0xbf644e8f, 0x3f44f259, 0x3d9193c0, 0x3dcab7e0, 0x3f2e5e58,
    0x3df6beda, 0xbddc3d1c, 0xbf47fcaa, 0x3ed4cc1d, 0xbe59e004, 0xbe9d065e, 0x3d9772c4, 0xbe79a129,
    0x3edb71e0, 0xbeb0fff1, 0xbf964aaf, 0x3e1b2674, 0xbf08fc86, 0x3f778136, 0x3d45a750, 0x3f3cb90e,
    0x3f0b0ae0, 0x3f966cd5, 0xbfb015dd, 0xbd65b2c8, 0xbf070b5e, 0x3d72b158, 0x3eed749a, 0xbf13a2e5,
    0xbe99a6e2, 0x3f256d7c, 0x3e803159, 0xbf9113e7, 0x3f65ab8c, 0x3f510406, 0x3eb5a38d, 0x3f37a07b,
    0xbd01edfc, 0x3eba2833, 0xbe89d8fc, 0x3f24d6ce, 0xbd98964e, 0xbe6d8071, 0x3f405dea, 0xbe3d8430,
    0x3f4c25d6, 0xbf6835ed, 0xbf385b4e, 0xbe60c5a0, 0x3eb6462b, 0x3f6ba1e9, 0xbf714814, 0x3f936191,
};
constexpr uint64_t kAttentionBatch70Hash = 0xf301f1e6745d9abeull;
constexpr uint64_t kAttentionDecode70Hash = 0x5766b3657d12cdcbull;
constexpr uint32_t kVecDotF16K100[4] = {
    0xc1cc7b4d, 0xc19fa114, 0xbfe49a90, 0xc1b4fcd5,
};
constexpr uint32_t kTinyBlasF16K48[8] = {
    0x41410970, 0x3f525c64, 0xc19c2668, 0x4060a86c, 0xc1875ee4, 0x4127c071, 0x401f9e46, 0xc1046534,
};
constexpr uint32_t kRopeNorm28[64] = {
    0xbfe3e0f0, 0xbf95bca8, 0xc020e478, 0x3dc13f20, 0x3f8a359b, 0x4024bf2e, 0x3f634c92, 0x4020303d,
    0xbf2c17c0, 0x4030ff4a, 0xbf70a851, 0xbf7165cf, 0xbe3479b5, 0xbf08b5f8, 0x401782d8, 0x3e6dcd55,
    0x4037cb2f, 0x3eebc314, 0x3f885675, 0xbffd1aac, 0x3fd8086d, 0xc00c3fec, 0x402b56d6, 0x3fdb08e5,
    0x40197d20, 0xbe59ff06, 0x3f704ef1, 0xc003f9a6, 0xbf0a4b84, 0xbf8b79f1, 0xbfc74202, 0x3ee7d56c,
    0x3f808aea, 0xbc5f5b6e, 0xbf749ecd, 0xc03a9bd2, 0x3f81934b, 0xbf38c4c7, 0x3fdb1f3e, 0xbf2c0a5b,
    0x40033896, 0x3fec1521, 0x40082bd9, 0x3f3c103d, 0x401c44e7, 0x3f6dadba, 0xc00ae9ba, 0x4000cf0a,
    0x3fe6d849, 0xbf80e9c3, 0x3fc0f20a, 0x3fd400dd, 0x403de0fd, 0xbfec7ad5, 0x4032ac29, 0x401430d6,
    0xc0172002, 0x3ff2bfac, 0xbf85bf40, 0xc008413b, 0x3f5c2ff6, 0x3f9d6b1b, 0x3f9b3610, 0xbffbb57b,
};
constexpr uint32_t kRopeNeox32[64] = {
    0xc064ba86, 0xbca30b4d, 0xbfd67b49, 0xbff8d384, 0x3fdeb043, 0x3e71b55c, 0x406b3c29, 0xbfd56353,
    0xbfcea2fa, 0x40261e62, 0xbfa642ac, 0xbf031617, 0xbe6ae4ca, 0xbefb4eb0, 0x4018bcc9, 0x3d8521e2,
    0xbdf9c9bf, 0x3eea2954, 0x3fddf0db, 0xbfaac83b, 0x40045620, 0xc035fa3d, 0x3f0c40e7, 0xbf3f7feb,
    0x3ff6353a, 0x3f6c9a19, 0x3f37abb8, 0xc006e3fc, 0xbf0c38c7, 0xbf8c539b, 0xbfc58b0d, 0x3ee7e9cb,
    0xbf850973, 0x3e53d398, 0xc00a9b5f, 0x4026db2b, 0xbfca09b8, 0x3f4492ae, 0x4002a299, 0xbea17f30,
    0x405bc783, 0xbe551237, 0x4019497d, 0x3ea3bcdb, 0x40210744, 0x3f131401, 0xc001ff77, 0x400a81e0,
    0x3fce4af6, 0xbf9f9ded, 0x3fcb7dde, 0x3f24f95c, 0x402ba19b, 0xbfef11f6, 0x3ffb7754, 0xc0399f8d,
    0x3f7cacb4, 0x3ffef8be, 0xbf225445, 0xc00702a6, 0x3f70ac46, 0x3f9e69c1, 0x3f99c066, 0xbffb0d7f,
};
constexpr uint32_t kRmsNorm37[37] = {
    0x3cb8da4e, 0xbfa83a6b, 0xbeaa7cae, 0x3f223caf, 0x3ef76b49, 0xbec007b1, 0xbe311ccb, 0xbf19731e,
    0x3f075d24, 0x3da9fe38, 0xbe69b1be, 0x3dcf84eb, 0x3f3bfbe0, 0xbd9f9523, 0x3f4e9b01, 0xbef8cc73,
    0xbf3d9850, 0x3e0d1e56, 0x3f9f58fd, 0xbfb225f8, 0x3e95e882, 0xbded387d, 0x3e677a44, 0xbf4f4343,
    0x3d1ed171, 0x3e470e5f, 0x3e39a64c, 0xbe09e32e, 0x3e35f1f9, 0xbd8dc818, 0x3f6541b2, 0x3f7459a0,
    0xbb4b1383, 0xbeec4dbe, 0xbe9d3490, 0x3e188b94, 0xbd4c881c,
};

// clang-format on

const float kScale32 = 1.0f / std::sqrt(32.0f);

// Rotates heads of x by the angles of position pos.
void rope_at(std::vector<float>& x, int64_t n_heads, int64_t head_dim, int64_t pos, const RopeParams& p) {
  std::vector<float> angles(static_cast<size_t>(p.n_dims));
  rope_angles(p, pos, angles.data());
  rope(x.data(), n_heads, head_dim, p, angles.data());
}

// A KV cache of `capacity` cells holding the first n_used positions of k and v (rows of n_kv_heads *
// head_dim floats), stored as the engine stores them.
struct Cache {
  std::vector<uint16_t> k, v;
  KvLayer layer;
  Cache(const std::vector<float>& kf, const std::vector<float>& vf, int64_t n_used, int64_t capacity,
        int64_t n_kv_heads, int64_t head_dim)
      : k(static_cast<size_t>(capacity * n_kv_heads * head_dim)),
        v(k.size()),
        layer{k.data(), v.data(), capacity, n_kv_heads, head_dim} {
    kv_store(layer, 0, n_used, kf.data(), vf.data());
  }
};

std::vector<float> run_attention(const Cache& cache, const std::vector<float>& q, int64_t pos0,
                                 int64_t n_tokens, int64_t n_heads, int n_threads = 1) {
  ThreadPool pool(n_threads);
  std::vector<float> out(q.size());
  attention(q.data(), cache.layer, pos0, n_tokens, n_heads,
            1.0f / std::sqrt(static_cast<float>(cache.layer.head_dim)), out.data(), pool);
  return out;
}

TEST(Ops, SoftMaxRowOf37) {
  Lcg r(1);
  const std::vector<float> x = gen(r, 37, 8.0f);
  std::vector<float> y(37);
  ggml_cpu::soft_max(x.data(), y.data(), 37, 37, kScale32);
  expect_bits(y, kSoftMax37);
}

TEST(Ops, SoftMaxRowOf64WithMaskedTail) {
  Lcg r(1);
  gen(r, 37, 8.0f);
  const std::vector<float> x = gen(r, 64, 8.0f);
  std::vector<float> y(64);
  ggml_cpu::soft_max(x.data(), y.data(), 64, 50, kScale32);
  expect_bits(y, kSoftMax64Masked50);
}

TEST(Ops, SiluOf53) {
  Lcg r(2);
  const std::vector<float> g = gen(r, 53, 12.0f), u = gen(r, 53, 2.0f);
  std::vector<float> y(53);
  ggml_cpu::vec_silu(g.data(), y.data(), 53);
  expect_bits(y, kSilu53);
  silu_mul(g.data(), u.data(), y.data(), 53);
  expect_bits(y, kSiluMul53);
}

TEST(Ops, VExpfSpecialValues) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(ggml_cpu::v_expf(0.0f), 1.0f);
  EXPECT_EQ(ggml_cpu::v_expf(-kInf), 0.0f);
  EXPECT_EQ(ggml_cpu::v_expf(kInf), kInf);
  EXPECT_EQ(ggml_cpu::v_expf(-200.0f), 0.0f);
  EXPECT_EQ(ggml_cpu::v_expf(200.0f), kInf);
  EXPECT_TRUE(std::isnan(ggml_cpu::v_expf(std::numeric_limits<float>::quiet_NaN())));
}

TEST(Ops, AttentionDecodeOverFivePositions) {
  Lcg r(3);
  const std::vector<float> kf = gen(r, 5 * 32, 2.0f), vf = gen(r, 5 * 32, 2.0f);
  const std::vector<float> q1 = gen(r, 1 * 2 * 32, 2.0f);
  const Cache cache(kf, vf, 5, 32, 1, 32);
  expect_bits(run_attention(cache, q1, 4, 1, 2), kAttentionDecode);
}

TEST(Ops, AttentionBatchOfThreeOverFivePositions) {
  Lcg r(3);
  const std::vector<float> kf = gen(r, 5 * 32, 2.0f), vf = gen(r, 5 * 32, 2.0f);
  gen(r, 1 * 2 * 32, 2.0f);
  const std::vector<float> q3 = gen(r, 3 * 2 * 32, 2.0f);
  const Cache cache(kf, vf, 5, 32, 1, 32);
  expect_bits(run_attention(cache, q3, 2, 3, 2), kAttentionBatch3);
}

// head_dim 64 and n_kv 96 reach the 64-element blocks of ggml_vec_dot_f16 and several tinyBLAS steps.
TEST(Ops, AttentionOverSeventyPositions) {
  Lcg r(4);
  const std::vector<float> kf = gen(r, 70 * 128, 2.0f), vf = gen(r, 70 * 128, 2.0f);
  const std::vector<float> qb = gen(r, 70 * 4 * 64, 2.0f), qd = gen(r, 4 * 64, 2.0f);
  const Cache cache(kf, vf, 70, 128, 2, 64);
  EXPECT_EQ(fnv(run_attention(cache, qb, 0, 70, 4)), kAttentionBatch70Hash);
  EXPECT_EQ(fnv(run_attention(cache, qd, 69, 1, 4)), kAttentionDecode70Hash);
}

TEST(Ops, AttentionBitsDoNotDependOnThreads) {
  Lcg r(4);
  const std::vector<float> kf = gen(r, 70 * 128, 2.0f), vf = gen(r, 70 * 128, 2.0f);
  const std::vector<float> qb = gen(r, 70 * 4 * 64, 2.0f);
  const Cache cache(kf, vf, 70, 128, 2, 64);
  const std::vector<float> one = run_attention(cache, qb, 0, 70, 4, 1);
  for (int threads : {2, 3}) {
    const std::vector<float> many = run_attention(cache, qb, 0, 70, 4, threads);
    ASSERT_EQ(fnv(one), fnv(many)) << threads << " threads";
  }
}

std::vector<uint16_t> to_fp16(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = fp32_to_fp16(v[i]);
  return h;
}

// The F16 dot products attention uses are the F16 weights' (type_kernels.h): ggml_vec_dot_f16 for one
// column, tinyBLAS for two.
TEST(Ops, VecDotF16MatchesOneColumnMulMat) {
  Lcg r(5);
  const std::vector<uint16_t> a = to_fp16(gen(r, 4 * 100, 2.0f)), b = to_fp16(gen(r, 100, 2.0f));
  const DotRowFn dot = kernels_for(TensorType::f16).dot_row;
  std::vector<float> y(4);
  for (int i = 0; i < 4; ++i) y[i] = dot(a.data() + i * 100, b.data(), 100);
  expect_bits(y, kVecDotF16K100);
}

TEST(Ops, TinyBlasF16MatchesTwoColumnMulMat) {
  Lcg r(5);
  gen(r, 4 * 100, 2.0f);
  gen(r, 100, 2.0f);
  const std::vector<uint16_t> a = to_fp16(gen(r, 4 * 48, 2.0f)), b = to_fp16(gen(r, 2 * 48, 2.0f));
  const DotRowFn dot = select_dot_row(kernels_for(TensorType::f16), 4, 48, 2);
  std::vector<float> y(8);
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 4; ++i) y[j * 4 + i] = dot(a.data() + i * 48, b.data() + j * 48, 48);
  expect_bits(y, kTinyBlasF16K48);
}

TEST(Ops, RopeAdjacentPairsWithPartialDims) {
  Lcg r(6);
  std::vector<float> x = gen(r, 64, 3.0f);
  RopeParams p{28, false, 10000.0f};  // 14 pairs: 12 through ggml's vector loop, 2 through its epilogue
  rope_at(x, 2, 32, 7, p);
  expect_bits(x, kRopeNorm28);
}

TEST(Ops, RopeNeox) {
  Lcg r(6);
  std::vector<float> x = gen(r, 64, 3.0f);
  RopeParams p{32, true, 1e6f};
  rope_at(x, 2, 32, 1000, p);
  expect_bits(x, kRopeNeox32);
}

TEST(Ops, RmsNormOf37) {
  Lcg r(7);
  const std::vector<float> x = gen(r, 37, 3.0f), w = gen(r, 37, 1.0f);
  std::vector<float> y(37);
  rms_norm(x.data(), w.data(), y.data(), 37, 1e-5f);
  expect_bits(y, kRmsNorm37);
}

}  // namespace
}  // namespace ck::kernels
