// The training row kernels at the scalar level: train_simd.h over 16 lanes emulated in portable C++, so
// that this level computes the bits of the SIMD levels (compiled without contraction; every FMA is
// written out).
#include <bit>
#include <cstdint>

#include "train_kernels.h"
#include "train_simd.h"

namespace ck::kernels::scalar {
namespace {

struct Lanes {
  struct Reg {
    float v[16];
  };
  template <class Fn>
  static Reg each(Fn fn) {
    Reg r;
    for (int l = 0; l < 16; ++l) r.v[l] = fn(l);
    return r;
  }
  static Reg load(const float* p) {
    return each([p](int l) { return p[l]; });
  }
  static void store(float* p, const Reg& v) {
    for (int l = 0; l < 16; ++l) p[l] = v.v[l];
  }
  static Reg set1(float x) {
    return each([x](int) { return x; });
  }
  static Reg zero() { return set1(0.0f); }
  static Reg add(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] + b.v[l]; });
  }
  static Reg sub(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] - b.v[l]; });
  }
  static Reg mul(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] * b.v[l]; });
  }
  static Reg div(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] / b.v[l]; });
  }
  static Reg min(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] < b.v[l] ? a.v[l] : b.v[l]; });
  }
  static Reg max(const Reg& a, const Reg& b) {
    return each([&](int l) { return a.v[l] > b.v[l] ? a.v[l] : b.v[l]; });
  }
  static Reg fmadd(const Reg& a, const Reg& b, const Reg& c) {
    return each([&](int l) { return __builtin_fmaf(a.v[l], b.v[l], c.v[l]); });
  }

  template <class Op>
  static float reduce(const Reg& v, Op op) {
    float t[8], u[4];
    for (int i = 0; i < 8; ++i) t[i] = op(v.v[i + 8], v.v[i]);
    for (int i = 0; i < 4; ++i) u[i] = op(t[i + 4], t[i]);
    return op(op(u[0], u[2]), op(u[1], u[3]));
  }
  static float reduce_add(const Reg& v) {
    return reduce(v, [](float a, float b) { return a + b; });
  }
  static float reduce_max(const Reg& v) {
    return reduce(v, [](float a, float b) { return a > b ? a : b; });
  }

  static Reg scale_by_exponent(const Reg& j, const Reg& z) {
    return each([&](int l) {
      const uint32_t n = std::bit_cast<uint32_t>(z.v[l]) - 0x4B400000u;
      const uint32_t half = static_cast<uint32_t>(static_cast<int32_t>(n) >> 1);
      const float first = std::bit_cast<float>((n - half + 127u) << 23);
      const float second = std::bit_cast<float>((half + 127u) << 23);
      return (j.v[l] * first) * second;
    });
  }
};

}  // namespace

void install_train(train::TrainKernels& table) { train::simd::install<Lanes>(table); }

}  // namespace ck::kernels::scalar
