#include "utf8_text.h"

#include <gtest/gtest.h>

namespace ck::daemon {
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

// The examples of The Unicode Standard, section 3.9 ("U+FFFD Substitution of Maximal Subparts", tables
// 3-8 to 3-12): one U+FFFD per maximal subpart, i.e. per start of a well-formed sequence that breaks off.
TEST(DaemonUtf8, OneReplacementPerMaximalSubpart) {
  const std::string r = "\xef\xbf\xbd";
  // Table 3-8: F1 80 80 and E1 80 are each one subpart; C2 before "b" is one.
  EXPECT_EQ(valid_utf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + r + r + r + "b" + r + "c" + r + r + "d");
  // Table 3-9, non-shortest forms: no byte starts a valid sequence, so each is replaced.
  EXPECT_EQ(valid_utf8("\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41"), r + r + r + r + r + r + r + r + "A");
  // Table 3-10, encoded surrogates: ED's second byte must be 80..9F.
  EXPECT_EQ(valid_utf8("\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41"), r + r + r + r + r + r + r + r + "A");
  // Table 3-11, other ill-formed sequences: above U+10FFFF, FF, stray continuation bytes.
  EXPECT_EQ(valid_utf8("\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42"), r + r + r + r + r + "A" + r + r + "B");
  // Table 3-12 (truncated sequences): E1 80, E2, F0 91 92 and F1 BF are one subpart each.
  EXPECT_EQ(valid_utf8("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41"), r + r + r + r + "A");
  // F0 allows 90..BF next: F0 80 is no start of a sequence, so F0, 80 and 80 are three subparts.
  EXPECT_EQ(valid_utf8("\xF0\x80\x80\x41"), r + r + r + "A");
  // A sequence broken off by the end of the text is one subpart.
  EXPECT_EQ(valid_utf8("end \xF0\x9F\x98"), "end " + r);
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
  // A held start that the next piece breaks off is one U+FFFD, not one per byte.
  EXPECT_EQ(assembler.push("x\xf0\x9f"), "x");
  EXPECT_EQ(assembler.push("\x98y"), "\xef\xbf\xbdy");
}

}  // namespace
}  // namespace ck::daemon
