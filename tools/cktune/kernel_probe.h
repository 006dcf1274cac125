// cktune kernels: measures the kernel tuning of this host (kernels/kernel_tuning.h) on synthetic weights
// shaped like a decode step of a 0.34B llama, and returns it as kernel wisdom (engine/kernel_wisdom.h).
//
// A decode step streams every weight byte once, so the figure of merit is weight GB/s. The weights are
// quantized random values in layers of Q8_0 and of Q4_K_M's mix (Q4_K and Q6_K), at least 4x the
// last-level cache and 192 MiB, so that they come from memory as a real model's do. Parameters are
// measured one after another (coordinate descent: isa, prefetch distance, prefetch hint, spin, huge
// pages), each in rounds that alternate the candidates (A B C, B C A, ...) so that a host whose bandwidth
// drifts favours none of them; a candidate's score is the median over the rounds of the mean of its
// 1-thread and N-thread rates relative to the default's in the same round, and it replaces the default only
// when it scores more than 3% better (what two runs of the same candidate differ by).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "ckernel/engine/kernel_wisdom.h"

namespace ck::tuning::cktune {

struct KernelProbeOptions {
  int rounds = 5;
  int threads = 1;     // the N of the N-thread rate
  bool quick = false;  // fewer candidates and decode steps per sample: well under 15 s
  // When to stop: a round in progress ends, the parameters not begun keep their defaults (and the wisdom
  // says which). An emulated CPU (a VM without KVM) measures slowly and meaninglessly; a start of ckd must
  // not wait for it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void(const std::string&)> progress;  // one line at a time, for stderr
};

// Measures; the wisdom's cpu, version and time are the caller's to fill. Must be called before anything
// in the process decides the instruction-set level: each level is measured in a child process (fork),
// and the chosen one is then set for this process. Throws TuningError or std::runtime_error when the
// measurement cannot run.
KernelWisdom measure_kernel_wisdom(const KernelProbeOptions& options);

}  // namespace ck::tuning::cktune
