// The sgemm driver: splits C between threads, blocks k, m and n for the caches, packs the operands into
// the level's micro-panel layout (sgemm_kernels.h) and runs the level's register tile over every tile.
// Threads split C only, never k, and each tile's chain over k is the same whoever computes it, which is
// why any thread count and any split give the same bits.
#include "ckernel/kernels/sgemm.h"

#include <xmmintrin.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "sgemm_kernels.h"

namespace ck::kernels {
namespace {

// The packing copies are short runs (a register tile's 14 or 32 floats per k step), where memcpy's call
// and size dispatch cost more than the copy (perf showed glibc's memmove at 8% of a training step). SSE
// moves (baseline x86-64) inline; written with intrinsics because GCC turns a plain copy loop back into a
// memcpy call.
inline void copy_floats(float* __restrict out, const float* __restrict in, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(out + i, _mm_loadu_ps(in + i));
  for (; i < n; ++i) out[i] = in[i];
}

// Packed panels start on a cache line, so that the tiles' vector loads never straddle two.
constexpr int64_t kPanelAlignFloats = 16;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
int64_t ceil_div(int64_t x, int64_t y) { return (x + y - 1) / y; }

const SgemmKernel& kernel_for(IsaLevel level) {
  static const IsaLevel best = best_isa_level(detect_cpu_features());
  if (level > best)
    throw std::invalid_argument("instruction-set level " + std::string(isa_level_name(level)) +
                                " is beyond this CPU");
  switch (level) {
    case IsaLevel::avx2: {
      static const SgemmKernel kernel = avx2::sgemm_kernel();
      return kernel;
    }
    case IsaLevel::avx512:
    case IsaLevel::avx512vnni: {  // nothing here needs VNNI
      static const SgemmKernel kernel = avx512::sgemm_kernel();
      return kernel;
    }
    case IsaLevel::scalar:
      break;
  }
  return scalar::kSgemmKernel;
}

// One thread's rectangle of C: rows [m0, m1), columns [n0, n1).
struct Part {
  int64_t m0, m1, n0, n1;
};

// Floats of packed A and packed B one thread needs for a part of at most rows x cols.
struct PanelSizes {
  int64_t a, b;
};

PanelSizes panel_sizes(const SgemmKernel& kern, int64_t rows, int64_t cols, int64_t k) {
  const int64_t kc = std::min(kern.kc, k);
  return {round_up(std::min(kern.mc, rows), kern.mr) * kc + kPanelAlignFloats,
          round_up(std::min(kern.nc, cols), kern.nr) * kc + kPanelAlignFloats};
}

float* aligned(std::vector<float>& buffer, int64_t offset) {
  const auto address = reinterpret_cast<uintptr_t>(buffer.data() + offset);
  const uintptr_t line = kPanelAlignFloats * sizeof(float);
  return reinterpret_cast<float*>((address + line - 1) / line * line);
}

// op(A)[i0 .. i0+rows)[pc .. pc+kc) as a copy of A's storage (sgemm_kernels.h): by rows (row stride kc)
// when A is stored as is, else by k in micro-panels of mr rows (mr * kc floats each). Either way a plain
// copy of contiguous runs; rows past `rows` in the last panel are left as they are, as the tile reads only
// the rows it is given.
void pack_a(const SgemmOperands& p, int64_t mr, int64_t i0, int64_t rows, int64_t pc, int64_t kc,
            float* out) {
  if (p.transpose_a == Transpose::no) {
    for (int64_t i = 0; i < rows; ++i)
      std::memcpy(out + i * kc, p.a + (i0 + i) * p.lda + pc, static_cast<size_t>(kc) * sizeof(float));
    return;
  }
  for (int64_t ir = 0; ir < rows; ir += mr, out += mr * kc) {
    const int64_t panel_rows = std::min(mr, rows - ir);
    for (int64_t q = 0; q < kc; ++q)
      copy_floats(out + q * mr, p.a + (pc + q) * p.lda + i0 + ir, panel_rows);
  }
}

// op(B)[pc .. pc+kc)[j0 .. j0+cols) into micro-panels of nr columns, each kc * nr floats; columns past
// `cols` are zero, so that the tile's extra lanes compute harmless zeros.
void pack_b(const SgemmOperands& p, int64_t nr, int64_t j0, int64_t cols, int64_t pc, int64_t kc,
            float* out) {
  for (int64_t jr = 0; jr < cols; jr += nr, out += nr * kc) {
    const int64_t panel_cols = std::min(nr, cols - jr);
    if (p.transpose_b == Transpose::no) {
      for (int64_t q = 0; q < kc; ++q) {
        copy_floats(out + q * nr, p.b + (pc + q) * p.ldb + j0 + jr, panel_cols);
        std::fill(out + q * nr + panel_cols, out + (q + 1) * nr, 0.0f);
      }
    } else {
      for (int64_t j = 0; j < panel_cols; ++j) {
        const float* src = p.b + (j0 + jr + j) * p.ldb + pc;
        for (int64_t q = 0; q < kc; ++q) out[q * nr + j] = src[q];
      }
      for (int64_t j = panel_cols; j < nr; ++j)
        for (int64_t q = 0; q < kc; ++q) out[q * nr + j] = 0.0f;
    }
  }
}

// The largest register tile of any level, for the edge tiles' bounce buffer.
constexpr int64_t kMaxTileFloats = 32 * 32;

// A tile narrower than nr goes through a full-width copy, so that the tile never writes past C's row.
void run_edge_tile(const SgemmKernel& kern, SgemmTileFn tile_fn, int64_t kc, const float* pa,
                   int64_t a_row_stride, const float* pb, float* c, int64_t ldc, bool start_from_c, int rows,
                   int64_t cols) {
  alignas(64) float tile[kMaxTileFloats];
  if (start_from_c)
    for (int i = 0; i < rows; ++i)
      std::memcpy(tile + i * kern.nr, c + i * ldc, static_cast<size_t>(cols) * sizeof(float));
  tile_fn(kc, pa, a_row_stride, pb, tile, kern.nr, start_from_c, rows);
  for (int i = 0; i < rows; ++i)
    std::memcpy(c + i * ldc, tile + i * kern.nr, static_cast<size_t>(cols) * sizeof(float));
}

void run_part(const SgemmOperands& p, const SgemmKernel& kern, const Part& part, float* packed_a,
              float* packed_b) {
  const bool a_by_rows = p.transpose_a == Transpose::no;
  const SgemmTileFn tile_fn = a_by_rows ? kern.tile_a_by_rows : kern.tile_a_by_k;
  for (int64_t jc = part.n0; jc < part.n1; jc += kern.nc) {
    const int64_t nc = std::min(kern.nc, part.n1 - jc);
    for (int64_t pc = 0; pc < p.k; pc += kern.kc) {
      const int64_t kc = std::min(kern.kc, p.k - pc);
      // C holds the chain's partial sum between blocks of k.
      const bool start_from_c = p.accumulate || pc > 0;
      pack_b(p, kern.nr, jc, nc, pc, kc, packed_b);
      for (int64_t ic = part.m0; ic < part.m1; ic += kern.mc) {
        const int64_t mc = std::min(kern.mc, part.m1 - ic);
        pack_a(p, kern.mr, ic, mc, pc, kc, packed_a);
        for (int64_t jr = 0; jr < nc; jr += kern.nr) {
          const int64_t cols = std::min<int64_t>(kern.nr, nc - jr);
          const float* pb = packed_b + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kern.mr) {
            const int rows = static_cast<int>(std::min<int64_t>(kern.mr, mc - ir));
            const float* pa = packed_a + ir * kc;  // the same offset in either layout
            float* c = p.c + (ic + ir) * p.ldc + jc + jr;
            if (cols == kern.nr)
              tile_fn(kc, pa, kc, pb, c, p.ldc, start_from_c, rows);
            else
              run_edge_tile(kern, tile_fn, kc, pa, kc, pb, c, p.ldc, start_from_c, rows, cols);
          }
        }
      }
    }
  }
}

// C = 0 for k = 0 without accumulation: the empty chain.
void zero_c(const SgemmOperands& p) {
  for (int64_t i = 0; i < p.m; ++i) std::fill(p.c + i * p.ldc, p.c + i * p.ldc + p.n, 0.0f);
}

void check(const SgemmOperands& p) {
  if (p.m < 0 || p.n < 0 || p.k < 0) throw std::invalid_argument("sgemm: negative dimension");
  const int64_t a_width = p.transpose_a == Transpose::no ? p.k : p.m;
  const int64_t b_width = p.transpose_b == Transpose::no ? p.n : p.k;
  if (p.lda < a_width || p.ldb < b_width || p.ldc < p.n)
    throw std::invalid_argument("sgemm: stride too small");
}

// The thread grid (rows x columns of parts) that gives the busiest thread the least work: its tiles
// (padded to the register tile) plus its packing, which every part does for its own rows and columns.
struct Grid {
  int64_t rows, cols;
};

Grid choose_grid(const SgemmKernel& kern, int64_t m, int64_t n, int64_t threads) {
  // A packed element costs about as much as this many multiply-adds in the tile.
  constexpr int64_t kPackCost = 16;
  Grid best{threads, 1};
  int64_t best_cost = -1;
  for (int64_t tm = 1; tm <= threads; ++tm) {
    if (threads % tm != 0) continue;
    const int64_t tn = threads / tm;
    const int64_t rows = ceil_div(ceil_div(m, kern.mr), tm) * kern.mr;
    const int64_t cols = ceil_div(ceil_div(n, kern.nr), tn) * kern.nr;
    const int64_t cost = rows * cols + kPackCost * (rows + cols);
    if (best_cost < 0 || cost < best_cost) best = {tm, tn}, best_cost = cost;
  }
  return best;
}

// Part t of the grid: whole register tiles, shared out as evenly as they go.
Part part_of(const SgemmKernel& kern, const SgemmOperands& p, Grid grid, int64_t t) {
  const int64_t ti = t / grid.cols, tj = t % grid.cols;
  const int64_t row_tiles = ceil_div(p.m, kern.mr), col_tiles = ceil_div(p.n, kern.nr);
  auto edge = [](int64_t tiles, int64_t size, int64_t parts, int64_t i, int64_t width) {
    return std::min(size, tiles * i / parts * width);
  };
  return {edge(row_tiles, p.m, grid.rows, ti, kern.mr), edge(row_tiles, p.m, grid.rows, ti + 1, kern.mr),
          edge(col_tiles, p.n, grid.cols, tj, kern.nr), edge(col_tiles, p.n, grid.cols, tj + 1, kern.nr)};
}

void grow(std::vector<float>& buffer, int64_t floats) {
  if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(static_cast<size_t>(floats));
}

// Checks the operands and does what needs no product: nothing for an empty C, the empty chain for k = 0.
// Returns whether tiles remain to be run.
bool check_and_handle_empty(const SgemmOperands& p) {
  check(p);
  if (p.m == 0 || p.n == 0) return false;
  if (p.k == 0) {
    if (!p.accumulate) zero_c(p);
    return false;
  }
  return true;
}

}  // namespace

void sgemm_serial(const SgemmOperands& p, SgemmScratch& scratch, IsaLevel level) {
  if (!check_and_handle_empty(p)) return;
  const SgemmKernel& kern = kernel_for(level);
  const PanelSizes sizes = panel_sizes(kern, p.m, p.n, p.k);
  grow(scratch.packed_a, sizes.a);
  grow(scratch.packed_b, sizes.b);
  run_part(p, kern, {0, p.m, 0, p.n}, aligned(scratch.packed_a, 0), aligned(scratch.packed_b, 0));
}

void sgemm(const SgemmOperands& p, ThreadPool& pool, SgemmScratch& scratch, IsaLevel level) {
  if (!check_and_handle_empty(p)) return;
  const SgemmKernel& kern = kernel_for(level);
  const int64_t threads = pool.size();
  const Grid grid = choose_grid(kern, p.m, p.n, threads);
  const PanelSizes sizes = panel_sizes(kern, ceil_div(ceil_div(p.m, kern.mr), grid.rows) * kern.mr,
                                       ceil_div(ceil_div(p.n, kern.nr), grid.cols) * kern.nr, p.k);
  // One slice of each buffer per thread, so that a warm scratch serves every later call.
  grow(scratch.packed_a, sizes.a * threads);
  grow(scratch.packed_b, sizes.b * threads);
  pool.parallel_for(threads, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const Part part = part_of(kern, p, grid, t);
      if (part.m0 < part.m1 && part.n0 < part.n1)
        run_part(p, kern, part, aligned(scratch.packed_a, sizes.a * t),
                 aligned(scratch.packed_b, sizes.b * t));
    }
  });
}

}  // namespace ck::kernels
