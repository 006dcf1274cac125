// SentencePiece's trainer logs to stderr: some 50 lines of its configuration, a line per byte piece and,
// for BPE, a line per 20 merges. While a SentencePieceLog lives, that log is read through a pipe and shown
// shortened: the configuration and byte pieces left out, the merges as one progress line, the rest with
// "sentencepiece: " instead of the source file and line.
#pragma once

#include <string>
#include <string_view>
#include <thread>

namespace ck::cktrain {

// Turns SentencePiece's log lines into what is shown; kept apart from the pipe so that it can be tested.
class SentencePieceLogFilter {
 public:
  // terminal: the merges rewrite one line in place; otherwise (a log file) one line per 1000 merges.
  explicit SentencePieceLogFilter(bool verbose, bool terminal = true) : verbose_(verbose), terminal_(terminal) {}
  // The text to show for one line of the log (without its '\n'); may be empty.
  std::string line(std::string_view raw);
  // What ends the output (a newline after an open progress line).
  std::string finish();

 private:
  bool verbose_;
  bool terminal_;
  bool in_configuration_ = false;
  bool progress_open_ = false;
};

class SentencePieceLog {
 public:
  // verbose: show the log unfiltered.
  explicit SentencePieceLog(bool verbose);
  ~SentencePieceLog();  // restores stderr and shows what is left
  SentencePieceLog(const SentencePieceLog&) = delete;
  SentencePieceLog& operator=(const SentencePieceLog&) = delete;

 private:
  int saved_stderr_ = -1;
  int read_end_ = -1;
  std::thread reader_;
};

}  // namespace ck::cktrain
