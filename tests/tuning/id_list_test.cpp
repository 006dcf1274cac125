#include "ckernel/tuning/id_list.h"

#include <gtest/gtest.h>

#include "ckernel/tuning/error.h"

namespace ck::tuning {
namespace {

TEST(IdList, ParsesTheKernelListFormat) {
  EXPECT_EQ(IdList::parse("0-3,8,10-11\n"), (IdList{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(IdList::parse("5"), IdList{5});
  EXPECT_EQ(IdList::parse("0-1\n"), (IdList{0, 1}));
  EXPECT_EQ(IdList::parse("3,1-2"), (IdList{1, 2, 3}));
  EXPECT_TRUE(IdList::parse("").empty());
  EXPECT_TRUE(IdList::parse("\n").empty());
}

TEST(IdList, OverlappingAndRepeatedRangesGiveEachIdOnce) {
  EXPECT_EQ(IdList::parse("3-5,1-4,4,9,0-1,9-9"), (IdList{0, 1, 2, 3, 4, 5, 9}));
  EXPECT_EQ(IdList::parse("2-6,3-4"), (IdList{2, 3, 4, 5, 6}));
  // Each range used to be expanded before the duplicates went: this 640-byte list asked for 256 MiB, and
  // a CreateTenant call of a few hundred KiB for more memory than the host has. Now it is one range.
  std::string repeated;
  for (int i = 0; i < 64; ++i) repeated += (i ? "," : "") + std::string("0-1048576");
  const IdList all = IdList::parse(repeated);
  EXPECT_EQ(all.size(), 1048577u);
  EXPECT_EQ(all.to_string(), "0-1048576");
}

// Issue 12: " 1" and "1," were accepted. Only the kernel's own trailing newline is tolerated.
TEST(IdList, RefusesBlanksAndEmptyItems) {
  for (const char* bad : {" 1", "1 ", " 5 ", "1,", ",1", "1, 2", "1 -2", "1-", "\t1", "1\n\n", "\n1"}) {
    EXPECT_THROW(IdList::parse(bad), TuningError) << '"' << bad << '"';
  }
}

TEST(IdList, FormatsWithRangesCollapsed) {
  EXPECT_EQ((IdList{3, 0, 1, 2, 8, 10, 11, 8}).to_string(), "0-3,8,10-11");
  EXPECT_EQ(IdList{}.to_string(), "");
  EXPECT_EQ(IdList::parse(IdList{1, 2, 4}.to_string()), (IdList{1, 2, 4}));
}

TEST(IdList, SetOperations) {
  const IdList a{0, 1, 2, 3};
  const IdList b{2, 3, 4};
  EXPECT_EQ(a.intersection(b), (IdList{2, 3}));
  EXPECT_EQ(a.difference(b), (IdList{0, 1}));
  EXPECT_EQ(a.union_with(b), (IdList{0, 1, 2, 3, 4}));
  EXPECT_TRUE(a.contains_all(IdList{1, 3}));
  EXPECT_FALSE(a.contains_all(b));
}

TEST(IdList, MalformedTextIsRefusedWithTheText) {
  try {
    IdList::parse("0-3,x");
    FAIL() << "expected TuningError";
  } catch (const TuningError& error) {
    EXPECT_STREQ(error.what(), "IdList::parse: malformed id 'x' in list '0-3,x'");
  }
  EXPECT_THROW(IdList::parse("3-1"), TuningError);
  EXPECT_THROW(IdList::parse("-1"), TuningError);
  EXPECT_THROW(IdList::parse("1,,2"), TuningError);
}

}  // namespace
}  // namespace ck::tuning
