#include "progress.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "ckernel/json/json.h"

namespace ck::cktrain {
namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

}  // namespace

Progress::Progress(int64_t total_steps, const std::string& json_log_path)
    : total_steps_(total_steps), terminal_(::isatty(STDERR_FILENO) == 1) {
  if (!json_log_path.empty()) {
    json_log_ = std::fopen(json_log_path.c_str(), "a");
    if (json_log_ == nullptr)
      throw std::runtime_error("cannot open the JSON log " + json_log_path + ": " + std::strerror(errno));
  }
}

Progress::~Progress() {
  finish_line();
  if (json_log_ != nullptr) std::fclose(json_log_);
}

void Progress::log(const std::string& json_line) {
  if (json_log_ == nullptr) return;
  std::fputs(json_line.c_str(), json_log_);
  std::fputc('\n', json_log_);
  std::fflush(json_log_);  // a killed run keeps every step it logged
}

void Progress::step(const train::StepResult& r) {
  log(Json(Json::Object{{"step", r.step},
                        {"loss", r.loss},
                        {"lr", r.lr},
                        {"grad_norm", r.grad_norm},
                        {"tokens", r.tokens},
                        {"seconds", r.seconds}})
          .dump());
  const double rate = static_cast<double>(r.tokens) / r.seconds;
  // A smoothed rate, so that the time left does not jump with every noisy step.
  recent_tokens_per_second_ = recent_tokens_per_second_ == 0 ? rate : 0.9 * recent_tokens_per_second_ + 0.1 * rate;
  const double left = static_cast<double>((total_steps_ - r.step) * r.tokens) / recent_tokens_per_second_;
  const auto now = std::chrono::steady_clock::now();
  if (!terminal_ && r.step != total_steps_ && now - last_print_ < std::chrono::seconds(10)) return;
  last_print_ = now;
  std::fprintf(stderr, "%sstep %lld/%lld  loss %.4f  lr %.2e  grad norm %.3f  %.0f tok/s  %s left%s",
               terminal_ ? "\r\033[K" : "", static_cast<long long>(r.step), static_cast<long long>(total_steps_), r.loss,
               r.lr, r.grad_norm, recent_tokens_per_second_, duration_text(left).c_str(), terminal_ ? "" : "\n");
  line_open_ = terminal_;
}

void Progress::validation(int64_t step, double val_loss) {
  log(Json(Json::Object{{"step", step}, {"val_loss", val_loss}, {"val_perplexity", std::exp(val_loss)}}).dump());
  finish_line();
  std::fprintf(stderr, "step %lld: validation loss %.4f, perplexity %.2f\n", static_cast<long long>(step), val_loss,
               std::exp(val_loss));
}

void Progress::checkpoint(int64_t step, const std::string& path) {
  log(Json(Json::Object{{"step", step}, {"checkpoint", path}}).dump());
  finish_line();
  std::fprintf(stderr, "step %lld: checkpoint %s\n", static_cast<long long>(step), path.c_str());
}

void Progress::finish_line() {
  if (line_open_) std::fputc('\n', stderr);
  line_open_ = false;
}

}  // namespace ck::cktrain
