#include "utf8_text.h"

#include <cstddef>

#include "ckernel/json/utf8.h"

namespace ck::daemon {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Appends the valid part of text to out, replacing each maximal ill-formed subpart with one U+FFFD (as
// Unicode recommends, and decoders do); returns where an unfinished trailing character starts
// (text.size() when there is none).
std::size_t append_valid(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const ck::Utf8Sequence sequence = ck::utf8_sequence_at(text, i);
    if (sequence.status == ck::Utf8Status::truncated) return i;
    if (sequence.status == ck::Utf8Status::invalid) {
      out += kReplacement;
      i += sequence.length;
    } else {
      out.append(text.substr(i, sequence.length));
      i += sequence.length;
    }
  }
  return i;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  const std::size_t unfinished = append_valid(out, text);
  if (unfinished < text.size()) out += kReplacement;
  return out;
}

std::string Utf8Assembler::push(std::string_view piece) {
  pending_.append(piece);
  std::string out;
  const std::size_t unfinished = append_valid(out, pending_);
  pending_.erase(0, unfinished);
  return out;
}

std::string Utf8Assembler::finish() {
  if (pending_.empty()) return "";
  pending_.clear();
  return std::string(kReplacement);
}

}  // namespace ck::daemon
