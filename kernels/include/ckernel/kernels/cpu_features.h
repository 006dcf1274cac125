// Instruction-set features of this CPU that matter to ckernel, from cpuid and XCR0. A feature counts
// only when both the CPU has it and the kernel saves its register state (XCR0), because an instruction
// the OS does not context-switch cannot be used safely.
#pragma once

#include <string>

namespace ck::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  // AMX tiles; on Linux a process must also ask for the tile state with arch_prctl(ARCH_REQ_XCOMP_PERM)
  // before its first AMX instruction.
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;
  // What a DSA user needs: MOVDIR64B submits to dedicated work queues, ENQCMD to shared ones, WAITPKG
  // (umonitor/umwait) lets the poller of a completion record sleep cheaply.
  bool movdir64b = false;
  bool enqcmd = false;
  bool waitpkg = false;

  // The names of the features present, space separated ("avx2 fma f16c ...").
  std::string to_string() const;
};

// Reads cpuid once per call; cheap enough to call at start-up.
CpuFeatures detect_cpu_features();

}  // namespace ck::kernels
