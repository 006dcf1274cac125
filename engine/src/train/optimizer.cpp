#include "ckernel/engine/train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ckernel/kernels/adamw.h"

namespace ck::train {

std::string_view schedule_name(ScheduleKind kind) { return kind == ScheduleKind::constant ? "constant" : "cosine"; }

ScheduleKind parse_schedule(std::string_view name) {
  if (name == "constant") return ScheduleKind::constant;
  if (name == "cosine") return ScheduleKind::cosine;
  throw TrainError("unknown schedule '" + std::string(name) + "' (constant, cosine)");
}

double LearningRateSchedule::at(int64_t step) const {
  if (warmup > 0 && step <= warmup) return lr * static_cast<double>(step) / static_cast<double>(warmup);
  if (kind == ScheduleKind::constant) return lr;
  if (step >= total) return min_lr;
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup));
  return min_lr + 0.5 * (lr - min_lr) * (1.0 + std::cos(std::numbers::pi * progress));
}

AdamW::AdamW(const ParameterLayout& layout, const AdamWOptions& options, BufferAllocator& memory)
    : layout_(layout), options_(options), m_(layout.total(), memory), v_(layout.total(), memory) {}

void AdamW::update(ParameterBuffer& parameters, const ParameterBuffer& gradients, double lr,
                   kernels::ThreadPool& pool) {
  ++step_;
  for (const ParameterTensor& t : layout_.tensors()) {
    const kernels::AdamWStep s{lr, options_.beta1, options_.beta2, options_.eps,
                               t.matrix ? options_.weight_decay : 0.0, step_};
    kernels::adamw_update(parameters.data() + t.offset, gradients.data() + t.offset, m_.data() + t.offset,
                          v_.data() + t.offset, t.size(), s, pool);
  }
}

double gradient_norm(const ParameterBuffer& gradients, kernels::ThreadPool& pool) {
  // The gaps between tensors are zero, so one sweep over the whole buffer is the norm of the tensors.
  return std::sqrt(kernels::sum_of_squares(gradients.data(), static_cast<int64_t>(gradients.size()), pool));
}

void clip_gradients(ParameterBuffer& gradients, double norm, double max_norm, kernels::ThreadPool& pool) {
  if (max_norm <= 0 || norm <= max_norm) return;
  kernels::scale_in_place(gradients.data(), static_cast<int64_t>(gradients.size()),
                          static_cast<float>(max_norm / (norm + 1e-6)), pool);
}

}  // namespace ck::train
