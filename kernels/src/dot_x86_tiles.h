// Register tiles for the x86 dot products: how a kernel's block step is walked over R rows and T
// tokens, how the rows ahead are prefetched, and the panel and single-row entry points.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

// ---------------------------------------------------------------------------------------------------
// Register tiles: R weight rows by T activation rows, each output with its own accumulator. A kernel K
// supplies Acc, the block step over a tile and finish(); tile() walks the blocks, panel() the tiles.

int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows per accumulator: 1, or 2 where a 512-bit accumulator holds two rows' 8 lanes (K::kRowsPerAcc).
template <class K>
constexpr int rows_per_acc() {
  if constexpr (requires { K::kRowsPerAcc; })
    return K::kRowsPerAcc;
  else
    return 1;
}

template <class K>
float finish(const typename K::Acc& acc, int part) {
  if constexpr (rows_per_acc<K>() == 1)
    return K::finish(acc);
  else
    return K::finish(acc, part);
}

// Decode streams every weight byte once, R rows side by side: R streams of one row each (a 1024-wide Q8_0
// row is 17 cache lines), too short for the hardware prefetchers to lock on to. Left alone, the tile waited
// on every row's first lines and streamed at a third of the read bandwidth, though one long row at a time
// did not. So the first pass over a tile's rows (all of decode; the first token tile in prefill, which
// brings the rows into cache for the others) prefetches the memory a whole number of tiles further on as
// one sequential sweep, each cache line once: the lines starting in [begin, end).
//
// How far ahead (p.prefetch.distance) is about what one core keeps in flight to hide memory latency
// (latency times bandwidth is a few KiB); on the Zen 5 test machine 8 KiB streamed best, 4, 16 and 32 KiB
// were 5-20% slower. The hint (p.prefetch.hint): non-temporal by default, as weights streamed once per
// token should not evict what stays (activations, KV cache) from L2 and L3, and it streamed 5-10% faster
// than T0, T1 or T2 there. Both depend on the microarchitecture, so they are host tuning
// (kernel_tuning.h, measured by `cktune kernels`); 0 turns the software prefetch off. _mm_prefetch needs
// its hint as a constant: one loop per hint.
// Locality 0 is prefetchnta, 1-3 prefetcht2, t1, t0 (__builtin_prefetch's constants). Always inlined:
// GCC 12's early pure-const analysis takes a function of prefetches alone for one without side effects
// and deletes the calls to it (the tiles lost every prefetch, and decode half its speed, that way).
template <int Locality>
[[gnu::always_inline]] inline void prefetch_lines_with(const std::byte* begin, const std::byte* end) {
  const auto first = (reinterpret_cast<uintptr_t>(begin) + 63) & ~uintptr_t{63};
  for (uintptr_t line = first; line < reinterpret_cast<uintptr_t>(end); line += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(line), 0, Locality);
}

[[gnu::always_inline]] inline void prefetch_lines(const std::byte* begin, const std::byte* end, PrefetchHint hint) {
  switch (hint) {
    case PrefetchHint::nta:
      return prefetch_lines_with<0>(begin, end);
    case PrefetchHint::t2:
      return prefetch_lines_with<1>(begin, end);
    case PrefetchHint::t1:
      return prefetch_lines_with<2>(begin, end);
    case PrefetchHint::t0:
      return prefetch_lines_with<3>(begin, end);
  }
}

// A kernel's block step; those that take the activations' fp32 scales (K::kTakesActivationScales) get
// each token's, and know at compile time whether the panel has them (kScales), so that neither a test
// nor a second path sits in the token loop.
template <class K, int R, int T, bool kScales>
void step(typename K::Acc (&acc)[R / rows_per_acc<K>()][T], const std::byte* const (&w)[R],
          const std::byte* const (&x)[T], const float* const (&scales)[T], int64_t b) {
  if constexpr (requires { K::kTakesActivationScales; })
    K::template step<R, T, kScales>(acc, w, x, scales, b);
  else
    K::template step<R, T>(acc, w, x, b);
}

template <class K>
constexpr bool takes_activation_scales() {
  return requires { K::kTakesActivationScales; };
}

template <class K, int R, int T>
void tile(const DotPanel& p, int64_t r0, int64_t t0) {
  constexpr int P = rows_per_acc<K>();
  static_assert(R % P == 0);
  const int64_t rows_here = smaller(R, p.rows - r0);
  const std::byte* w[R];
  // A partial tile repeats its last row rather than branching in the inner loop; those outputs are dropped.
  for (int r = 0; r < R; ++r)
    w[r] = p.weights + static_cast<size_t>(r0 + smaller(r, rows_here - 1)) * p.weight_stride;
  const std::byte* x[T];
  for (int t = 0; t < T; ++t) x[t] = p.activations + static_cast<size_t>(t0 + t) * p.activation_stride;
  typename K::Acc acc[R / P][T];
  for (int a = 0; a < R / P; ++a)
    for (int t = 0; t < T; ++t) acc[a][t] = K::zero();
  const int64_t blocks = p.n / K::kBlockElements;
  const float* scales[T];
  for (int t = 0; t < T; ++t)
    scales[t] = p.activation_scales ? p.activation_scales + static_cast<size_t>((t0 + t) * blocks) : nullptr;
  // The tile's rows are one region of R strides; each block step sweeps 1/blocks of the region ahead.
  // (A single dot row has no rows ahead and no stride: no prefetch.)
  // The sweeps stop at the panel's last row, or past it at p.prefetch_end: the rows after a chunk of a
  // matrix product are usually the same thread's next chunk (ThreadPool::parallel_for_chunks), whose first
  // tiles then start warm instead of waiting on memory (at 2 threads, chunks of 64 rows streamed 10% slower
  // than one run of rows per thread without it). The first tile of a panel prefetches the panel's first
  // `distance` bytes after itself at once, which no tile before it did where the panel starts cold.
  const size_t tile_bytes = R * p.weight_stride;
  const size_t distance = p.prefetch.distance;
  const std::byte* const panel_end = p.weights + static_cast<size_t>(p.rows) * p.weight_stride;
  const std::byte* const prefetch_end = p.prefetch_end > panel_end ? p.prefetch_end : panel_end;
  const bool prefetch =
      distance > 0 && t0 == 0 && w[0] + tile_bytes < prefetch_end && tile_bytes > 0 && blocks > 0;
  const size_t ahead_bytes = prefetch ? (distance + tile_bytes - 1) / tile_bytes * tile_bytes : 0;
  const auto clamped = [prefetch_end](const std::byte* at) { return at < prefetch_end ? at : prefetch_end; };
  const std::byte* ahead = prefetch ? w[0] + ahead_bytes : nullptr;
  const size_t sweep = prefetch ? tile_bytes / static_cast<size_t>(blocks) : 0;
  if (prefetch && r0 == 0) prefetch_lines(w[0] + tile_bytes, clamped(ahead), p.prefetch.hint);
  const auto blocks_loop = [&]<bool kScales>() {
    for (int64_t b = 0; b < blocks; ++b) {
      if (prefetch)
        prefetch_lines(clamped(ahead + static_cast<size_t>(b) * sweep),
                       clamped(ahead + static_cast<size_t>(b + 1) * sweep), p.prefetch.hint);
      step<K, R, T, kScales>(acc, w, x, scales, b);
    }
  };
  if (takes_activation_scales<K>() && p.activation_scales != nullptr)
    blocks_loop.template operator()<true>();
  else
    blocks_loop.template operator()<false>();
  for (int r = 0; r < rows_here; ++r)
    for (int t = 0; t < T; ++t)
      p.out[static_cast<size_t>(t0 + t) * p.out_stride + static_cast<size_t>(r0 + r)] =
          finish<K>(acc[r / P][t], r % P);
}

// The last tokens of a panel, fewer than a full tile: a tile of exactly that many.
template <class K, int R, int T>
void token_tail(const DotPanel& p, int64_t r0, int64_t t0) {
  if constexpr (T > 0) {
    if (p.tokens - t0 == T)
      tile<K, R, T>(p, r0, t0);
    else
      token_tail<K, R, T - 1>(p, r0, t0);
  }
}

// Rows outer, tokens inner: a tile's weight rows stay in L1 while every token passes over them; one token
// (decode) streams the weights, R rows at a time.
template <class K, int R>
void decode_panel(const DotPanel& p) {
  static_assert(R % rows_per_acc<K>() == 0);
  for (int64_t r0 = 0; r0 < p.rows; r0 += R) tile<K, R, 1>(p, r0, 0);
}

template <class K>
void panel(const DotPanel& p) {
  constexpr int R = K::kTileRows;
  constexpr int T = K::kTileTokens;
  // Decode with another tile height (host tuning): the same outputs, computed R' rows at a time. (Not for
  // a layout made for one height, K::kFixedTileRows.)
  if constexpr (!requires { K::kFixedTileRows; }) {
    if (p.tokens == 1 && p.decode_tile_rows != 0 && p.decode_tile_rows != R) {
      switch (p.decode_tile_rows) {
        case 2:
          return decode_panel<K, 2>(p);
        case 4:
          return decode_panel<K, 4>(p);
        case 8:
          return decode_panel<K, 8>(p);
      }
    }
  }
  for (int64_t r0 = 0; r0 < p.rows; r0 += R) {
    int64_t t0 = 0;
    for (; t0 + T <= p.tokens; t0 += T) tile<K, R, T>(p, r0, t0);
    token_tail<K, R, T - 1>(p, r0, t0);
  }
}

template <class K>
float row(const void* weight, const void* activation, int64_t n) {
  float out;
  const DotPanel p{static_cast<const std::byte*>(weight),
                   0,
                   1,
                   static_cast<const std::byte*>(activation),
                   0,
                   1,
                   n,
                   &out,
                   1};
  tile<K, rows_per_acc<K>(), 1>(p, 0, 0);
  return out;
}

template <class Block>
const Block& block_at(const std::byte* row, int64_t b) {
  return reinterpret_cast<const Block*>(row)[b];
}
