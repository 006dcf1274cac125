// Shows LoadProgress on stderr while ckd copies a model's weights: a redrawn bar on a terminal, a line
// every 10% otherwise (logs stay short), nothing at all when disabled (--json).
#pragma once

#include <cstdint>
#include <string>

namespace ck::ckctl {

class LoadProgress {
 public:
  LoadProgress(std::string model, bool enabled);
  LoadProgress(const LoadProgress&) = delete;
  ~LoadProgress();  // ends a bar's line

  void update(uint64_t done_bytes, uint64_t total_bytes);

 private:
  std::string model_;
  bool enabled_;
  bool terminal_;
  bool bar_drawn_ = false;
  int last_tenth_ = -1;
};

}  // namespace ck::ckctl
