// D-Bus strings must be valid UTF-8, but a token's bytes may end in the middle of a character (byte-level
// BPE splits multi-byte characters over tokens). Pieces are therefore passed on whole characters at a time,
// and bytes that never form a character become U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace ck::daemon {

// `text` with each maximal ill-formed subpart (Unicode 3.9) replaced by one U+FFFD.
std::string valid_utf8(std::string_view text);

// Joins pieces so that each returned chunk is valid UTF-8: an incomplete character at the end of a piece
// waits for the next one.
class Utf8Assembler {
 public:
  // The complete characters so far (possibly empty).
  std::string push(std::string_view piece);
  // What is left at the end (an unfinished character, as U+FFFD), or "".
  std::string finish();

 private:
  std::string pending_;
};

}  // namespace ck::daemon
