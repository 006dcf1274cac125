// A file truncated while it is read through a mapping: without a guard the reader dies of SIGBUS (shown
// in a child process), with one it reads zeros where the file ended and learns that it shrank, on any
// thread. Unprivileged: a temporary file, no host state.
#include "ckernel/tuning/truncation_guard.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

namespace ck::tuning {
namespace {

constexpr std::size_t kBytes = 1 << 20;

class TruncatedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/ck-truncation-XXXXXX";
    fd_ = ::mkstemp(name);
    ASSERT_GE(fd_, 0);
    ::unlink(name);
    ASSERT_EQ(::ftruncate(fd_, kBytes), 0);
    data_ = static_cast<const unsigned char*>(::mmap(nullptr, kBytes, PROT_READ, MAP_SHARED, fd_, 0));
    ASSERT_NE(data_, MAP_FAILED);
    // Filled through the file, then cut to one page: the mapping now reaches past the end.
    std::vector<unsigned char> ones(kBytes, 1);
    ASSERT_EQ(::pwrite(fd_, ones.data(), kBytes, 0), static_cast<ssize_t>(kBytes));
    ASSERT_EQ(::ftruncate(fd_, 4096), 0);
  }
  void TearDown() override {
    if (data_ != MAP_FAILED && data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), kBytes);
    if (fd_ >= 0) ::close(fd_);
  }

  std::size_t sum() const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < kBytes; i += 512) total += data_[i];
    return total;
  }

  int fd_ = -1;
  const unsigned char* data_ = nullptr;
};

TEST_F(TruncatedFile, WithoutAGuardTheReaderDiesOfSigbus) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(sum() > 0 ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child read past the end of the file without a signal";
  EXPECT_EQ(WTERMSIG(status), SIGBUS);
}

TEST_F(TruncatedFile, AGuardedReaderSeesZerosAndLearnsTheFileShrank) {
  const TruncationGuard guard(data_, kBytes);
  EXPECT_EQ(sum(), 4096u / 512u);  // the one page left holds ones, the rest reads as zeros
  EXPECT_TRUE(guard.truncated());
}

TEST_F(TruncatedFile, TheGuardCoversOtherThreadsToo) {
  const TruncationGuard guard(data_, kBytes);
  std::size_t total = 0;
  std::thread reader([&] { total = sum(); });
  reader.join();
  EXPECT_EQ(total, 4096u / 512u);
  EXPECT_TRUE(guard.truncated());
}

TEST(TruncationGuard, AnIntactFileIsNotReportedShrunk) {
  static const unsigned char bytes[4096] = {1};
  const TruncationGuard guard(bytes, sizeof bytes);
  EXPECT_FALSE(guard.truncated());
}

}  // namespace
}  // namespace ck::tuning
