// libFuzzer target: ckd's state file parser (ckd/src/state_file.h) on arbitrary bytes, as ckd reads
// state.json when it starts again after a crash or a kill. The text is either refused with a JsonError
// (ckd then names the file and the problem) or accepted; then what serialize_state writes of it must
// parse back to the same state.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ckernel/json/json.h"
#include "state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ck::daemon::DaemonState state;
  try {
    state = ck::daemon::parse_state(input);
  } catch (const ck::JsonError&) {
    return 0;  // refused: ckd reports the file and why
  }
  // Any other exception escapes and libFuzzer reports it: every refusal must be a JsonError.
  const std::string text = ck::daemon::serialize_state(state);
  try {
    if (ck::daemon::parse_state(text) != state) {
      std::fprintf(stderr, "state_fuzzer: parse(serialize(state)) differs from the state\n");
      std::abort();
    }
  } catch (const ck::JsonError& e) {
    std::fprintf(stderr, "state_fuzzer: refused the state it wrote itself: %s\n", e.what());
    std::abort();
  }
  return 0;
}
