// AdamW over a model's parameters (torch.optim.AdamW semantics, weight decay on matrices only), the
// learning-rate schedules, and clipping by the global gradient norm.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ckernel/engine/train/parameters.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::train {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // on 2-D tensors only; norms, biases are not decayed
};

enum class ScheduleKind { constant, cosine };
std::string_view schedule_name(ScheduleKind kind);
ScheduleKind parse_schedule(std::string_view name);  // TrainError naming the choices

// The learning rate of each step. cosine: linear warm-up from lr/warmup to lr over `warmup` steps, then
// half a cosine from lr down to min_lr at `total` steps (and min_lr after). constant: lr throughout
// (after the same warm-up, if any).
struct LearningRateSchedule {
  ScheduleKind kind = ScheduleKind::cosine;
  double lr = 3e-4;
  double min_lr = 3e-5;
  int64_t warmup = 0;
  int64_t total = 1;
  // step counts from 1.
  double at(int64_t step) const;
};

class AdamW {
 public:
  // The moments come from `memory`.
  AdamW(const ParameterLayout& layout, const AdamWOptions& options,
        BufferAllocator& memory = *default_buffer_allocator());

  const AdamWOptions& options() const { return options_; }
  int64_t step() const { return step_; }
  // One update at learning rate lr, with the gradients as they are (clip them first).
  void update(ParameterBuffer& parameters, const ParameterBuffer& gradients, double lr, kernels::ThreadPool& pool);

  // The moments and step, for checkpoints.
  ParameterBuffer& first_moment() { return m_; }
  ParameterBuffer& second_moment() { return v_; }
  const ParameterBuffer& first_moment() const { return m_; }
  const ParameterBuffer& second_moment() const { return v_; }
  void set_step(int64_t step) { step_ = step; }

 private:
  const ParameterLayout& layout_;
  AdamWOptions options_;
  ParameterBuffer m_, v_;
  int64_t step_ = 0;
};

// The global L2 norm of all gradients (summed in double, in a fixed order).
double gradient_norm(const ParameterBuffer& gradients, kernels::ThreadPool& pool);
// Scales the gradients so that their global norm is at most max_norm (0: no clipping), as
// torch.nn.utils.clip_grad_norm_ does (factor max_norm / (norm + 1e-6) when the norm exceeds max_norm).
void clip_gradients(ParameterBuffer& gradients, double norm, double max_norm, kernels::ThreadPool& pool);

}  // namespace ck::train
