// The CPU copy engine on real memory, and the choice between engines on this host.
#include "ckernel/tuning/copy_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "ckernel/tuning/cpu_copy_engine.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/placement.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning {
namespace {

// A pattern no page or chunk boundary repeats, so misplaced data cannot go unnoticed.
void fill_pattern(std::byte* data, std::size_t bytes) {
  auto* words = reinterpret_cast<std::uint64_t*>(data);
  for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = (i * 0x9E3779B97F4A7C15ull) ^ (i >> 9);
  for (std::size_t i = bytes / 8 * 8; i < bytes; ++i) data[i] = static_cast<std::byte>(i);
}

std::vector<StreamingStores> supported_stores() {
  std::vector<StreamingStores> kinds{StreamingStores::none};
  const StreamingStores best = best_streaming_stores();
  if (best != StreamingStores::none) kinds.push_back(StreamingStores::avx2);
  if (best == StreamingStores::avx512) kinds.push_back(StreamingStores::avx512);
  return kinds;
}

bool dsa_hardware_present() {
  return std::filesystem::exists("/sys/bus/dsa/devices") &&
         !std::filesystem::is_empty("/sys/bus/dsa/devices");
}

TEST(CopyEngine, ChoosesTheCpuWithoutDsaAndSaysWhy) {
  if (dsa_hardware_present()) GTEST_SKIP() << "this host has DSA devices";
  const CopyEngineChoice choice = choose_copy_engine();
  ASSERT_NE(choice.engine, nullptr);
  EXPECT_TRUE(choice.engine->name().starts_with("cpu: ")) << choice.engine->name();
  EXPECT_TRUE(choice.reason.starts_with("no DSA (absent: ")) << choice.reason;
  EXPECT_NE(choice.reason.find(choice.engine->name()), std::string::npos) << choice.reason;

  CopyEngineOptions no_dsa;
  no_dsa.allow_dsa = false;
  no_dsa.cpu_threads = 1;
  const CopyEngineChoice cpu_only = choose_copy_engine(no_dsa);
  EXPECT_TRUE(cpu_only.reason.starts_with("DSA not allowed")) << cpu_only.reason;
  EXPECT_TRUE(cpu_only.engine->name().starts_with("cpu: 1 thread, ")) << cpu_only.engine->name();
}

TEST(CopyEngine, ChosenEngineCopiesOneGibibyteByteExact) {
  const CopyEngineChoice choice = choose_copy_engine();
  constexpr std::size_t kBytes = kGiB;
  // Weight-style regions (transparent huge pages where the host has them: 512 times fewer page faults
  // to set up), faulted in before the copy so that the copy, not the page faults, is measured.
  WeightRegionRequest request;
  request.bytes = kBytes;
  WeightRegion src_region = map_weight_region(request);
  WeightRegion dst_region = map_weight_region(request);
  const MemoryMapping& src = src_region.memory;
  const MemoryMapping& dst = dst_region.memory;
  fill_pattern(src.data(), kBytes);
  std::size_t calls = 0, last = 0;
  choice.engine->copy(dst.data(), src.data(), kBytes, [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, kBytes);
    EXPECT_GT(done, last);
    last = done;
    ++calls;
  });
  EXPECT_EQ(last, kBytes);
  EXPECT_GT(calls, 1u) << "progress is reported along the way";
  EXPECT_EQ(std::memcmp(dst.data(), src.data(), kBytes), 0) << "the 1 GiB copy differs";
  const double gbps = choice.engine->last_gigabytes_per_second();
  EXPECT_GT(gbps, 0.0);
  RecordProperty("engine", choice.engine->name());
  RecordProperty("gigabytes_per_second", std::to_string(gbps));
  std::cout << "[ measured ] " << choice.engine->name() << ": " << gbps << " GB/s on 1 GiB of "
            << to_string(src_region.placement.kind) << "\n";
}

TEST(StreamingCopy, UnalignedHeadsAndTailsAreExactAndStayInBounds) {
  constexpr std::size_t kGuard = 256;
  const std::size_t sizes[] = {0, 1, 63, 64, 255, 256, 257, 1000, 4096 + 3, kMiB + 7};
  std::vector<std::byte> src(kMiB + 1024), dst(kMiB + 1024 + 2 * kGuard);
  fill_pattern(src.data(), src.size());
  for (const StreamingStores stores : supported_stores()) {
    for (const std::size_t size : sizes) {
      for (const std::size_t dst_offset : {0, 1, 17, 63, 64}) {
        for (const std::size_t src_offset : {0, 5, 32}) {
          std::memset(dst.data(), 0xee, dst.size());
          std::byte* out = dst.data() + kGuard + dst_offset;
          streaming_copy(out, src.data() + src_offset, size, stores);
          ASSERT_EQ(std::memcmp(out, src.data() + src_offset, size), 0)
              << to_string(stores) << " size " << size << " dst+" << dst_offset << " src+" << src_offset;
          for (std::byte* p = dst.data(); p < out; ++p) ASSERT_EQ(*p, std::byte{0xee}) << "wrote before dst";
          for (std::byte* p = out + size; p < dst.data() + dst.size(); ++p) {
            ASSERT_EQ(*p, std::byte{0xee}) << "wrote past the end";
          }
        }
      }
    }
  }
}

TEST(CpuCopyEngine, SharesChunksAmongThreadsAndReportsOnTheCallingThread) {
  CpuCopyOptions options;
  options.threads = 2;
  options.chunk_bytes = 64 * kKiB;
  options.streaming_threshold = 1;
  CpuCopyEngine engine(options);
  EXPECT_EQ(engine.threads(), 2u);
  const std::size_t bytes = 16 * kMiB + 13;
  std::vector<std::byte> src(bytes), dst(bytes);
  fill_pattern(src.data(), bytes);
  const auto caller = std::this_thread::get_id();
  std::size_t last = 0;
  engine.copy(dst.data() + 0, src.data(), bytes, [&](std::size_t done, std::size_t) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_GT(done, last);
    last = done;
  });
  EXPECT_EQ(last, bytes);
  EXPECT_EQ(std::memcmp(dst.data(), src.data(), bytes), 0);
}

TEST(CpuCopyEngine, AThrowingProgressCallbackStopsTheCopy) {
  CpuCopyOptions options;
  options.threads = 2;
  options.chunk_bytes = 64 * kKiB;
  CpuCopyEngine engine(options);
  std::vector<std::byte> src(8 * kMiB), dst(8 * kMiB);
  EXPECT_THROW(engine.copy(dst.data(), src.data(), src.size(),
                           [](std::size_t, std::size_t) { throw std::runtime_error("cancelled"); }),
               std::runtime_error);
}

TEST(CpuCopyEngine, RefusesOverlappingRanges) {
  CpuCopyEngine engine;
  std::vector<std::byte> buffer(4096);
  EXPECT_THROW(engine.copy(buffer.data() + 10, buffer.data(), 100), TuningError);
}

}  // namespace
}  // namespace ck::tuning
