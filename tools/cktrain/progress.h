// What a training run tells its user while it runs: a progress line on stderr (rewritten in place on a
// terminal, one line every few seconds otherwise) and, with --json-log, one JSON object per step and per
// validation in a file that scripts and plots read.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "ckernel/engine/train/trainer.h"

namespace ck::cktrain {

class Progress {
 public:
  // json_log_path "" for none; the file is appended to (a resumed run continues its log).
  Progress(int64_t total_steps, const std::string& json_log_path);
  ~Progress();

  void step(const train::StepResult& r);
  void validation(int64_t step, double val_loss);
  void checkpoint(int64_t step, const std::string& path);
  // Ends the in-place line before other output.
  void finish_line();

 private:
  void log(const std::string& json_line);
  int64_t total_steps_;
  bool terminal_;
  std::FILE* json_log_ = nullptr;
  bool line_open_ = false;
  double recent_tokens_per_second_ = 0;
  std::chrono::steady_clock::time_point last_print_{};
};

}  // namespace ck::cktrain
