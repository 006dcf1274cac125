// first_invalid_utf8: where the first ill-formed sequence starts (what a corrupt corpus file's error names).
#include <gtest/gtest.h>

#include <string>

#include "ckernel/json/utf8.h"

namespace ck {
namespace {

TEST(FirstInvalidUtf8, ValidTextHasNone) {
  EXPECT_EQ(first_invalid_utf8(""), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("plain ascii\n"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::nullopt);  // é € 😀
}

TEST(FirstInvalidUtf8, NamesTheStartOfTheFirstBadSequence) {
  EXPECT_EQ(first_invalid_utf8("caf\xe9 au lait"), 3u);          // Latin-1 é: a lead without continuation
  EXPECT_EQ(first_invalid_utf8("ab\x80"), 2u);                    // a stray continuation byte
  EXPECT_EQ(first_invalid_utf8("x\xc0\xaf"), 1u);                 // overlong form
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);              // a surrogate
  EXPECT_EQ(first_invalid_utf8("ok \xf4\x90\x80\x80"), 3u);       // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("\xc3\xa9\xe2\x82"), 2u);          // truncated by the end of the text
  EXPECT_EQ(first_invalid_utf8(std::string("a\0b\xff", 4)), 3u);  // NUL is valid, 0xFF never is
}

}  // namespace
}  // namespace ck
