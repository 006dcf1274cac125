#include "sentencepiece_log.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <regex>
#include <system_error>

namespace ck::cktrain {
namespace {

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) return;  // nowhere left to show it
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// "value" of "key=value" in a line of space-separated fields, or "".
std::string field(std::string_view line, std::string_view key) {
  const size_t at = line.find(key);
  if (at == std::string_view::npos) return {};
  const size_t start = at + key.size();
  return std::string(line.substr(start, line.find(' ', start) - start));
}

}  // namespace

std::string SentencePieceLogFilter::line(std::string_view raw) {
  if (verbose_) return std::string(raw) + "\n";
  if (in_configuration_) {
    if (raw == "denormalizer_spec {}") in_configuration_ = false;  // the dump's last line
    return {};
  }
  // "trainer_interface.cc(406) LOG(INFO) Loaded all 25674 sentences"
  static const std::regex kPrefix(R"(^[\w.]+\.cc\(\d+\) LOG\((\w+)\) (.*)$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(raw.begin(), raw.end(), m, kPrefix)) return std::string(raw) + "\n";
  const std::string level = m[1], message = m[2];
  if (message.starts_with("Starts training with")) {
    in_configuration_ = true;
    return {};
  }
  if (message.starts_with("Adding meta_piece") || message.starts_with("Updating active symbols")) return {};
  if (message.starts_with("Added: ")) {  // BPE: every 20 merges
    if (!terminal_) {
      const std::string size = field(message, "size=");
      return size.ends_with("000") ? "sentencepiece: " + size + " pieces merged\n" : std::string();
    }
    progress_open_ = true;
    std::string latest = field(message, "piece=");
    latest.resize(std::max<size_t>(latest.size(), 24), ' ');  // covers a longer piece shown before
    return "\rsentencepiece: " + field(message, "size=") + " pieces merged, the latest " + latest;
  }
  std::string shown = progress_open_ ? "\n" : "";
  progress_open_ = false;
  shown += "sentencepiece: " + (level == "INFO" ? "" : level + ": ") + message + "\n";
  return shown;
}

std::string SentencePieceLogFilter::finish() {
  const bool open = progress_open_;
  progress_open_ = false;
  return open ? "\n" : "";
}

SentencePieceLog::SentencePieceLog(bool verbose) {
  std::cerr.flush();
  std::fflush(stderr);
  int ends[2];
  if (::pipe(ends) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe for SentencePiece's log");
  saved_stderr_ = ::dup(STDERR_FILENO);
  ::dup2(ends[1], STDERR_FILENO);
  ::close(ends[1]);
  read_end_ = ends[0];
  reader_ = std::thread([this, verbose] {
    SentencePieceLogFilter filter(verbose, ::isatty(saved_stderr_) == 1);
    std::string pending;
    char buffer[4096];
    for (ssize_t n; (n = ::read(read_end_, buffer, sizeof(buffer))) > 0;) {
      pending.append(buffer, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1)
        write_all(saved_stderr_, filter.line(std::string_view(pending).substr(start, end - start)));
      pending.erase(0, start);
    }
    if (!pending.empty()) write_all(saved_stderr_, filter.line(pending));
    write_all(saved_stderr_, filter.finish());
  });
}

SentencePieceLog::~SentencePieceLog() {
  std::cerr.flush();
  std::fflush(stderr);
  ::dup2(saved_stderr_, STDERR_FILENO);  // closes the pipe's last write end: the reader sees the end
  reader_.join();
  ::close(read_end_);
  ::close(saved_stderr_);
}

}  // namespace ck::cktrain
