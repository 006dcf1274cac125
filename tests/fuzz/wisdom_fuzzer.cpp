// libFuzzer target: ck::parse_kernel_wisdom on arbitrary bytes, as ckd, ckrun and ckbench read the host's
// kernel wisdom at start (a half-written, hand-edited or foreign file included). The text is either
// refused with a WisdomError naming the member, or accepted with a tuning kernels::validate() passes;
// then format_kernel_wisdom must write text that parses again and formats the same.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ckernel/engine/kernel_wisdom.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "wisdom_fuzzer: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ck::KernelWisdom wisdom;
  try {
    wisdom = ck::parse_kernel_wisdom(input);
  } catch (const ck::WisdomError&) {
    return 0;  // refused, naming the member: the tools run with the defaults and say why
  }
  // Any other exception escapes and libFuzzer reports it: every refusal must be a WisdomError.
  try {
    ck::kernels::validate(wisdom.tuning);
  } catch (const std::invalid_argument& e) {
    fail(std::string("accepted a tuning validate() refuses: ") + e.what());
  }
  const std::string text = ck::format_kernel_wisdom(wisdom);
  ck::KernelWisdom again;
  try {
    again = ck::parse_kernel_wisdom(text);
  } catch (const ck::WisdomError& e) {
    fail(std::string("refused the wisdom it wrote itself: ") + e.what());
  }
  if (ck::format_kernel_wisdom(again) != text) fail("format(parse(format(wisdom))) differs from format(wisdom)");
  if (again.tuning != wisdom.tuning) fail("the tuning changed in a round trip");
  return 0;
}
