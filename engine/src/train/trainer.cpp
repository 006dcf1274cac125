#include "ckernel/engine/train/trainer.h"

#include <chrono>
#include <cmath>
#include <string>

namespace ck::train {
namespace {

const TrainOptions& checked(const ModelConfig& config, const TrainOptions& o) {
  check_trainable(config);
  if (o.batch <= 0) throw TrainError("--batch must be positive");
  if (o.context <= 0) throw TrainError("--context must be positive");
  if (o.accumulate <= 0) throw TrainError("--accumulate must be positive");
  if (o.threads <= 0) throw TrainError("-t must be positive");
  if (o.context > config.n_ctx_train)
    throw TrainError("--context " + std::to_string(o.context) + " is longer than the model's context of " +
                     std::to_string(config.n_ctx_train) + " tokens");
  if (!(o.schedule.lr > 0) || o.schedule.min_lr < 0) throw TrainError("--lr must be positive and --min-lr >= 0");
  if (!(o.adamw.beta1 >= 0 && o.adamw.beta1 < 1 && o.adamw.beta2 >= 0 && o.adamw.beta2 < 1))
    throw TrainError("--beta1 and --beta2 must be in [0, 1)");
  if (!(o.adamw.eps > 0) || o.adamw.weight_decay < 0 || o.clip < 0)
    throw TrainError("--eps must be positive, --weight-decay and --clip not negative");
  return o;
}

}  // namespace

Trainer::Trainer(const ModelConfig& config, ParameterBuffer parameters, const TrainOptions& options)
    : config_(config),
      layout_(config),
      options_(checked(config, options)),
      pool_(options.threads),
      parameters_(std::move(parameters)),
      memory_(options.allocator ? options.allocator : default_buffer_allocator()),
      gradients_(layout_.total(), *memory_),
      optimizer_(layout_, options.adamw, *memory_),
      backprop_(config, options.batch, options.context, *memory_),
      tokens_(static_cast<size_t>(options.batch * (options.context + 1))) {
  if (parameters_.size() != layout_.total()) throw TrainError("the parameters do not fit the model's layout");
}

StepResult Trainer::step(const BatchSource& next_batch) {
  const auto start = std::chrono::steady_clock::now();
  StepResult r;
  r.step = optimizer_.step() + 1;
  std::fill(gradients_.data(), gradients_.data() + gradients_.size(), 0.0f);
  // Every token of the step weighs the same: the loss is the mean over all micro-batches' tokens.
  const int64_t tokens_per_micro_batch = options_.batch * options_.context;
  const float grad_scale = 1.0f / static_cast<float>(tokens_per_micro_batch * options_.accumulate);
  double loss_sum = 0;
  for (int64_t i = 0; i < options_.accumulate; ++i) {
    next_batch(tokens_);
    loss_sum += backprop_.forward_backward(parameters_, tokens_, grad_scale, gradients_, pool_);
  }
  r.loss = loss_sum / static_cast<double>(options_.accumulate);
  r.grad_norm = gradient_norm(gradients_, pool_);
  if (!std::isfinite(r.loss) || !std::isfinite(r.grad_norm))
    throw TrainError(std::string(std::isfinite(r.loss) ? "the gradient norm" : "the loss") + " became " +
                     std::to_string(std::isfinite(r.loss) ? r.grad_norm : r.loss) + " at step " +
                     std::to_string(r.step) + " (try a lower --lr or a --clip); the parameters are still those after step " +
                     std::to_string(r.step - 1));
  clip_gradients(gradients_, r.grad_norm, options_.clip, pool_);
  r.lr = options_.schedule.at(r.step);
  optimizer_.update(parameters_, gradients_, r.lr, pool_);
  r.tokens = tokens_per_micro_batch * options_.accumulate;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

double Trainer::evaluate(const std::function<int64_t(std::span<int32_t>)>& next_rows) {
  double sum = 0;  // of per-row mean losses, each weighing one row (all rows hold context tokens)
  int64_t rows = 0;
  for (int64_t n; (n = next_rows(tokens_)) > 0;) {
    sum += backprop_.loss(parameters_, tokens_, pool_, n) * static_cast<double>(n);
    rows += n;
  }
  if (rows == 0) throw TrainError("no windows to evaluate");
  return sum / static_cast<double>(rows);
}

}  // namespace ck::train
