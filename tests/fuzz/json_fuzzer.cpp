// libFuzzer target: ck::Json::parse on arbitrary bytes, as ckd parses its state file. The text is either
// refused with a JsonError or accepted; then dump() must give text that parses again and dumps the same
// (integral doubles may come back as integers, which dump alike). The bytes quoted with json_quote must
// always parse, to the text itself or to its invalid UTF-8 replaced, which quotes the same.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ckernel/json/json.h"
#include "ckernel/json/json_text.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "json_fuzzer: %s\n", what);
    std::abort();
  }
}

// Parses text the library wrote itself, which must never be refused.
ck::Json parse_own(const std::string& text, const char* what) {
  try {
    return ck::Json::parse(text);
  } catch (const ck::JsonError& e) {
    std::fprintf(stderr, "json_fuzzer: %s: %s\n", what, e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const std::string text = ck::Json::parse(input).dump();
    check(parse_own(text, "dump() of a parsed document was refused").dump() == text,
          "dump(parse(dump(document))) differs from dump(document)");
  } catch (const ck::JsonError&) {
    // Refused with a message naming the position: what ckd reports for a corrupt state file.
  }

  const std::string quoted = ck::json_quote(input);
  const std::string unquoted = parse_own(quoted, "json_quote output was refused").string();
  check(ck::json_quote(unquoted) == quoted,
        "json_quote(parse(json_quote(text))) differs from json_quote(text)");
  return 0;
}
