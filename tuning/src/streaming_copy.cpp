// The streaming-store kernels, compiled for AVX2 and AVX-512 with target attributes and chosen at run
// time, so the library runs on any x86-64 CPU.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/tuning/cpu_copy_engine.h"

namespace ck::tuning {
namespace {

// dst is 64-byte aligned and bytes a multiple of 64. Four cache lines per iteration keep several loads
// in flight; loads stay unaligned because weights in a GGUF file are not cache-line aligned.
__attribute__((target("avx512f"))) void stream_avx512(std::byte* dst, const std::byte* src,
                                                      std::size_t bytes) {
  std::size_t i = 0;
  for (; i + 256 <= bytes; i += 256) {
    const __m512i a = _mm512_loadu_si512(src + i);
    const __m512i b = _mm512_loadu_si512(src + i + 64);
    const __m512i c = _mm512_loadu_si512(src + i + 128);
    const __m512i d = _mm512_loadu_si512(src + i + 192);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i), a);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i + 64), b);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i + 128), c);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i + 192), d);
  }
  for (; i < bytes; i += 64) {
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i), _mm512_loadu_si512(src + i));
  }
  _mm_sfence();
}

__attribute__((target("avx2"))) void stream_avx2(std::byte* dst, const std::byte* src, std::size_t bytes) {
  std::size_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
    const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), a);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 32), b);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 64), c);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 96), d);
  }
  for (; i < bytes; i += 32) {
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
  }
  _mm_sfence();
}

}  // namespace

std::string_view to_string(StreamingStores stores) {
  switch (stores) {
    case StreamingStores::none:
      return "no streaming stores";
    case StreamingStores::avx2:
      return "avx2 streaming stores";
    case StreamingStores::avx512:
      return "avx512 streaming stores";
  }
  return "unknown";
}

StreamingStores best_streaming_stores() {
  const ck::kernels::CpuFeatures isa = ck::kernels::detect_cpu_features();
  if (isa.avx512f) return StreamingStores::avx512;
  if (isa.avx2) return StreamingStores::avx2;
  return StreamingStores::none;
}

void streaming_copy(void* dst, const void* src, std::size_t bytes, StreamingStores stores) {
  auto* out = static_cast<std::byte*>(dst);
  const auto* in = static_cast<const std::byte*>(src);
  constexpr std::size_t kLine = 64;
  if (stores == StreamingStores::none || bytes < 4 * kLine) {
    std::memcpy(out, in, bytes);
    return;
  }
  const std::size_t head = (kLine - reinterpret_cast<std::uintptr_t>(out) % kLine) % kLine;
  std::memcpy(out, in, head);
  const std::size_t body = (bytes - head) / kLine * kLine;
  if (stores == StreamingStores::avx512) {
    stream_avx512(out + head, in + head, body);
  } else {
    stream_avx2(out + head, in + head, body);
  }
  std::memcpy(out + head + body, in + head + body, bytes - head - body);
}

}  // namespace ck::tuning
