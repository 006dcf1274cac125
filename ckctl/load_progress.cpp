#include "load_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "human_text.h"

namespace ck::ckctl {

LoadProgress::LoadProgress(std::string model, bool enabled)
    : model_(std::move(model)), enabled_(enabled), terminal_(isatty(STDERR_FILENO) == 1) {}

LoadProgress::~LoadProgress() {
  if (bar_drawn_) std::fputc('\n', stderr);
}

void LoadProgress::update(uint64_t done_bytes, uint64_t total_bytes) {
  if (!enabled_ || total_bytes == 0) return;
  const double fraction =
      static_cast<double>(std::min(done_bytes, total_bytes)) / static_cast<double>(total_bytes);
  const std::string amounts = format_bytes(done_bytes) + " of " + format_bytes(total_bytes);
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\rloading %s [%s%s] %3d%% %s\033[K", model_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                 static_cast<int>(fraction * 100), amounts.c_str());
    bar_drawn_ = true;
  } else {
    const int tenth = static_cast<int>(fraction * 10);
    if (tenth == last_tenth_) return;
    last_tenth_ = tenth;
    std::fprintf(stderr, "loading %s: %d%% (%s)\n", model_.c_str(), tenth * 10, amounts.c_str());
  }
  std::fflush(stderr);
}

}  // namespace ck::ckctl
