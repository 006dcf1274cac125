// The sgemm register tile of the SIMD levels (sgemm_kernels.h), written once over a vector type L and
// instantiated by each level's file with its own L (a type local to that file), so that no code of one
// level can be linked in for another (tests/kernels/isa_isolation).
//
// Outer-product form: per step of k, kVecs vectors of B (kVecs * L::kLanes columns) are loaded, each of
// the rows' A elements is broadcast, and one FMA per accumulator adds a[i] * b[j] into lane j of row i's
// accumulators. So each C element is one lane's fma chain over k in order: the contract's bits.
//
// L provides: Reg, kLanes; load (aligned), loadu, storeu, set1, zero, fmadd(a, b, c) = a * b + c rounded
// once.
#pragma once

#include <cstdint>
#include <utility>

#include "sgemm_kernels.h"

namespace ck::kernels::simd {

// One tile of `kRows` rows (at most kMr, the packed panel's row count) and kVecs vectors of columns, A
// packed by rows (kARows) or by k (sgemm_kernels.h). The loops over rows and vectors are unrolled
// completely, so that the accumulators live in registers.
template <class L, int kMr, int kVecs, bool kARows, int kRows>
void sgemm_tile_rows(int64_t kc, const float* a, int64_t a_row_stride, const float* b, float* c, int64_t ldc,
                     bool start_from_c) {
  using Reg = typename L::Reg;
  constexpr int kNr = kVecs * L::kLanes;
  Reg acc[kRows][kVecs];
#pragma GCC unroll 32
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v)
      acc[i][v] = start_from_c ? L::loadu(c + i * ldc + v * L::kLanes) : L::zero();
  const int64_t a_step = kARows ? 1 : kMr;
  const int64_t a_row = kARows ? a_row_stride : 1;
  for (int64_t q = 0; q < kc; ++q, a += a_step, b += kNr) {
    Reg bv[kVecs];
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) bv[v] = L::load(b + v * L::kLanes);
#pragma GCC unroll 32
    for (int i = 0; i < kRows; ++i) {
      const Reg ai = L::set1(a[i * a_row]);
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) acc[i][v] = L::fmadd(ai, bv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 32
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) L::storeu(c + i * ldc + v * L::kLanes, acc[i][v]);
}

using SgemmRowsFn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, bool);

// The tiles of 1 .. kMr rows, by row count - 1. (A plain array: std::array's members would be inline
// functions shared with other levels' objects.)
template <class L, int kMr, int kVecs, bool kARows, class Rows>
struct SgemmRowTable;
template <class L, int kMr, int kVecs, bool kARows, int... kRows>
struct SgemmRowTable<L, kMr, kVecs, kARows, std::integer_sequence<int, kRows...>> {
  static constexpr SgemmRowsFn kByRows[] = {&sgemm_tile_rows<L, kMr, kVecs, kARows, kRows + 1>...};
};

// SgemmTileFn: the tile of `rows` rows, each row count compiled on its own (an edge tile of few rows
// costs only its rows).
template <class L, int kMr, int kVecs, bool kARows>
void sgemm_tile(int64_t kc, const float* a, int64_t a_row_stride, const float* b, float* c, int64_t ldc,
                bool start_from_c, int rows) {
  using Table = SgemmRowTable<L, kMr, kVecs, kARows, std::make_integer_sequence<int, kMr>>;
  Table::kByRows[rows - 1](kc, a, a_row_stride, b, c, ldc, start_from_c);
}

}  // namespace ck::kernels::simd
