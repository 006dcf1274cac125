#include "ckernel/kernels/cpu_features.h"

#include <cpuid.h>

#include <cstdint>
#include <utility>

namespace ck::kernels {
namespace {

struct CpuidRegisters {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// Leaves above the CPU's maximum return garbage on some CPUs, so they read as zero here.
CpuidRegisters cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegisters r;
  if (static_cast<unsigned>(__get_cpuid_max(leaf & 0x80000000u, nullptr)) < leaf) return r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

bool bit(unsigned value, int position) { return ((value >> position) & 1u) != 0; }

std::uint64_t read_xcr0() {
  std::uint32_t low = 0, high = 0;
  // xgetbv without requiring the compiler to enable the XSAVE target.
  asm volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (static_cast<std::uint64_t>(high) << 32) | low;
}

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  const CpuidRegisters leaf1 = cpuid(1, 0);
  const CpuidRegisters leaf7 = cpuid(7, 0);
  const CpuidRegisters leaf7_1 = cpuid(7, 1);

  const bool osxsave = bit(leaf1.ecx, 27);
  const std::uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_saves_avx = (xcr0 & 0x6) == 0x6;          // XMM and YMM state
  const bool os_saves_avx512 = (xcr0 & 0xe6) == 0xe6;     // plus opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_saves_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG and XTILEDATA

  if (os_saves_avx) {
    f.fma = bit(leaf1.ecx, 12);
    f.f16c = bit(leaf1.ecx, 29);
    f.avx2 = bit(leaf7.ebx, 5);
  }
  if (os_saves_avx512) {
    f.avx512f = bit(leaf7.ebx, 16);
    f.avx512bw = bit(leaf7.ebx, 30);
    f.avx512dq = bit(leaf7.ebx, 17);
    f.avx512vl = bit(leaf7.ebx, 31);
    f.avx512_vnni = bit(leaf7.ecx, 11);
    f.avx512_bf16 = bit(leaf7_1.eax, 5);
  }
  if (os_saves_amx) {
    f.amx_bf16 = bit(leaf7.edx, 22);
    f.amx_tile = bit(leaf7.edx, 24);
    f.amx_int8 = bit(leaf7.edx, 25);
  }
  f.waitpkg = bit(leaf7.ecx, 5);
  f.movdir64b = bit(leaf7.ecx, 28);
  f.enqcmd = bit(leaf7.ecx, 29);
  return f;
}

std::string CpuFeatures::to_string() const {
  const std::pair<bool, const char*> named[] = {
      {avx2, "avx2"},
      {fma, "fma"},
      {f16c, "f16c"},
      {avx512f, "avx512f"},
      {avx512bw, "avx512bw"},
      {avx512dq, "avx512dq"},
      {avx512vl, "avx512vl"},
      {avx512_vnni, "avx512_vnni"},
      {avx512_bf16, "avx512_bf16"},
      {amx_tile, "amx_tile"},
      {amx_int8, "amx_int8"},
      {amx_bf16, "amx_bf16"},
      {movdir64b, "movdir64b"},
      {enqcmd, "enqcmd"},
      {waitpkg, "waitpkg"},
  };
  std::string text;
  for (const auto& [present, name] : named) {
    if (!present) continue;
    if (!text.empty()) text += ' ';
    text += name;
  }
  return text.empty() ? "none" : text;
}

}  // namespace ck::kernels
