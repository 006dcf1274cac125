#include "utf8_text.h"

#include <gtest/gtest.h>

namespace ckernel::daemon {
namespace {

TEST(DaemonUtf8, ValidTextPassesUnchanged) {
  EXPECT_EQ(valid_utf8("plain, \xc3\xa9t\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"),
            "plain, \xc3\xa9t\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80");
}

TEST(DaemonUtf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // an overlong '/'
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(valid_utf8("cut \xe2\x82"), "cut \xef\xbf\xbd");
}

TEST(DaemonUtf8, AssemblerHoldsACharacterSplitOverPieces) {
  Utf8Assembler assembler;
  EXPECT_EQ(assembler.push("caf\xc3"), "caf");
  EXPECT_EQ(assembler.push("\xa9 \xf0\x9f"), "\xc3\xa9 ");
  EXPECT_EQ(assembler.push("\x98"), "");
  EXPECT_EQ(assembler.push("\x80!"), "\xf0\x9f\x98\x80!");
  EXPECT_EQ(assembler.finish(), "");
  EXPECT_EQ(assembler.push("\xe2\x82"), "");
  EXPECT_EQ(assembler.finish(), "\xef\xbf\xbd");
}

}  // namespace
}  // namespace ckernel::daemon
