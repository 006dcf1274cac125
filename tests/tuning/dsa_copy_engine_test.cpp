// The DSA submission logic against a fake work queue whose device runs in memory: batches, queue depth,
// ENQCMD retries, partial completions (page faults) resumed where the device stopped, errors.
#include "ckernel/tuning/dsa_copy_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "ckernel/tuning/dsa_inventory.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/units.h"
#include "fake_dsa_device.h"

namespace ck::tuning {
namespace {

using testing::FakeDsaDevice;

constexpr std::size_t k64K = 64 * kKiB;

struct Buffers {
  explicit Buffers(std::size_t bytes) : src(bytes), dst(bytes, std::byte{0}) {
    for (std::size_t i = 0; i < bytes; ++i) src[i] = static_cast<std::byte>((i * 131 + (i >> 12)) & 0xff);
  }
  bool equal() const { return std::memcmp(src.data(), dst.data(), src.size()) == 0; }
  std::uint64_t src_at(std::size_t offset) const {
    return reinterpret_cast<std::uintptr_t>(src.data() + offset);
  }
  std::uint64_t dst_at(std::size_t offset) const {
    return reinterpret_cast<std::uintptr_t>(dst.data() + offset);
  }
  std::vector<std::byte> src;
  std::vector<std::byte> dst;
};

struct Harness {
  Harness(FakeDsaDevice::Config config, DsaCopyOptions options = {}) {
    auto owned = std::make_unique<FakeDsaDevice>(config);
    device = owned.get();
    engine = std::make_unique<DsaCopyEngine>(std::move(owned), options);
  }
  // Copies, checking the progress reports on the way.
  void copy(Buffers& buffers) {
    std::size_t last = 0;
    engine->copy(buffers.dst.data(), buffers.src.data(), buffers.src.size(),
                 [&](std::size_t done, std::size_t total) {
                   EXPECT_EQ(total, buffers.src.size());
                   EXPECT_GT(done, last) << "progress must grow";
                   EXPECT_LE(done, total);
                   last = done;
                 });
    EXPECT_EQ(last, buffers.src.size()) << "the last progress report is the whole copy";
  }
  std::vector<FakeDsaDevice::Executed> memmoves() const {
    std::vector<FakeDsaDevice::Executed> result;
    for (const auto& e : device->executed()) {
      if (e.opcode == DSA_OPCODE_MEMMOVE) result.push_back(e);
    }
    return result;
  }
  FakeDsaDevice* device;
  std::unique_ptr<DsaCopyEngine> engine;
};

FakeDsaDevice::Config config(bool dedicated, std::size_t depth, std::size_t max_batch,
                             std::uint64_t max_transfer) {
  FakeDsaDevice::Config c;
  c.dedicated = dedicated;
  c.depth = depth;
  c.max_batch_size = max_batch;
  c.max_transfer_size = max_transfer;
  return c;
}

DsaCopyOptions pieces_of(std::size_t bytes, bool batches = true) {
  DsaCopyOptions options;
  options.piece_bytes = bytes;
  options.use_batches = batches;
  return options;
}

TEST(DsaCopyEngine, CopiesInBatchesWithinTheQueueDepthAndTransferSize) {
  Harness h(config(/*dedicated=*/true, /*depth=*/4, /*max_batch=*/8, /*max_transfer=*/k64K), pieces_of(kMiB));
  Buffers buffers(5 * kMiB + 123);  // 81 pieces of at most 64 KiB: 10 batches of 8 and one memmove
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  EXPECT_EQ(h.engine->stats().memmove_descriptors, 81u);
  EXPECT_EQ(h.engine->stats().batch_descriptors, 10u);
  EXPECT_EQ(h.engine->stats().submissions, 11u);
  EXPECT_EQ(h.device->overflows(), 0u) << "a dedicated queue was given more than its depth";
  EXPECT_LE(h.device->max_in_flight(), 4u);
  EXPECT_EQ(h.device->max_in_flight(), 4u) << "the queue is kept full";
  for (const auto& e : h.device->executed()) {
    EXPECT_EQ(e.status, DSA_COMP_SUCCESS);
    EXPECT_EQ(e.flags & (IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR), IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR);
    if (e.opcode == DSA_OPCODE_MEMMOVE) {
      EXPECT_LE(e.size, k64K);
    }
  }
  EXPECT_EQ(h.memmoves().size(), 81u);
  EXPECT_EQ(h.memmoves().back().size, (5 * kMiB + 123) % k64K);
  EXPECT_FALSE(h.memmoves().back().in_batch) << "a lone last piece is not a batch of one";
  EXPECT_EQ(h.engine->name(), "dsa: fake wq (dedicated, 4 entries)");
}

TEST(DsaCopyEngine, WithoutBatchesEveryPieceIsItsOwnDescriptor) {
  Harness h(config(true, 3, 0, kMiB), pieces_of(k64K));
  Buffers buffers(kMiB);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  EXPECT_EQ(h.engine->stats().batch_descriptors, 0u);
  EXPECT_EQ(h.engine->stats().submissions, 16u);
  EXPECT_EQ(h.device->max_in_flight(), 3u);
}

TEST(DsaCopyEngine, RetriesWhenASharedQueueIsFull) {
  Harness h(config(/*dedicated=*/false, /*depth=*/2, 4, k64K), pieces_of(k64K));
  Buffers buffers(3 * kMiB);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  EXPECT_EQ(h.engine->stats().retries, h.device->refusals());
  EXPECT_LE(h.device->max_in_flight(), 2u);
}

TEST(DsaCopyEngine, ResumesAMemmoveThatStoppedAtAMissingDestinationPage) {
  Harness h(config(true, 4, 0, kMiB), pieces_of(kMiB, /*batches=*/false));
  Buffers buffers(2 * kMiB);
  const std::size_t fault = kMiB + 100000;  // inside the second memmove
  h.device->inject_page_fault(buffers.dst.data() + fault, /*on_write=*/true);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  EXPECT_EQ(h.engine->stats().page_fault_resumptions, 1u);
  const auto memmoves = h.memmoves();
  ASSERT_EQ(memmoves.size(), 3u);
  EXPECT_EQ(memmoves[1].status, DSA_COMP_PAGE_FAULT_NOBOF);
  // The resubmission starts exactly where the device stopped and carries only the remainder.
  EXPECT_EQ(memmoves[2].src, buffers.src_at(fault));
  EXPECT_EQ(memmoves[2].dst, buffers.dst_at(fault));
  EXPECT_EQ(memmoves[2].size, 2 * kMiB - fault);
  EXPECT_EQ(memmoves[2].status, DSA_COMP_SUCCESS);
}

TEST(DsaCopyEngine, ResumesAMemmoveThatStoppedAtAMissingSourcePage) {
  Harness h(config(true, 4, 0, kMiB), pieces_of(kMiB, false));
  Buffers buffers(kMiB);
  h.device->inject_page_fault(buffers.src.data() + 4096 * 7, /*on_write=*/false);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  const auto memmoves = h.memmoves();
  ASSERT_EQ(memmoves.size(), 2u);
  EXPECT_EQ(memmoves[1].src, buffers.src_at(4096 * 7));
  EXPECT_EQ(memmoves[1].size, kMiB - 4096 * 7);
}

TEST(DsaCopyEngine, ResumesABackwardCopyByShrinkingIt) {
  Harness h(config(true, 4, 0, kMiB), pieces_of(kMiB, false));
  Buffers buffers(kMiB);
  const std::size_t fault = 300000;
  h.device->inject_page_fault(buffers.dst.data() + fault, /*on_write=*/true, /*descending=*/true);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  const auto memmoves = h.memmoves();
  ASSERT_EQ(memmoves.size(), 2u);
  // Everything above the fault was done: the same start, only the bytes up to the fault remain.
  EXPECT_EQ(memmoves[1].src, buffers.src_at(0));
  EXPECT_EQ(memmoves[1].dst, buffers.dst_at(0));
  EXPECT_EQ(memmoves[1].size, fault + 1);
}

TEST(DsaCopyEngine, ResumesTheMemberOfABatchThatFaulted) {
  Harness h(config(true, 4, 8, k64K), pieces_of(k64K));
  Buffers buffers(8 * k64K);                  // exactly one batch of 8
  const std::size_t fault = 2 * k64K + 5000;  // in the third member
  h.device->inject_page_fault(buffers.dst.data() + fault, true);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  const auto& executed = h.device->executed();
  ASSERT_EQ(executed.front().opcode, DSA_OPCODE_BATCH);
  EXPECT_EQ(executed.front().status, DSA_COMP_BATCH_FAIL);
  const auto memmoves = h.memmoves();
  ASSERT_EQ(memmoves.size(), 9u) << "eight members and the resumed remainder";
  EXPECT_FALSE(memmoves.back().in_batch);
  EXPECT_EQ(memmoves.back().dst, buffers.dst_at(fault));
  EXPECT_EQ(memmoves.back().size, 3 * k64K - fault);
  EXPECT_EQ(h.engine->stats().page_fault_resumptions, 1u);
}

TEST(DsaCopyEngine, ResumesABatchWhoseDescriptorListFaulted) {
  Harness h(config(true, 4, 8, k64K), pieces_of(k64K));
  Buffers buffers(8 * k64K);
  h.device->inject_list_fault(/*batch_number=*/0, /*index=*/3);
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  const auto& executed = h.device->executed();
  std::vector<FakeDsaDevice::Executed> batches;
  for (const auto& e : executed) {
    if (e.opcode == DSA_OPCODE_BATCH) batches.push_back(e);
  }
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].status, DSA_COMP_BATCH_PAGE_FAULT);
  // The same list, resubmitted from the first descriptor the device could not read.
  EXPECT_EQ(batches[1].src, batches[0].src + 3 * sizeof(dsa_hw_desc));
  EXPECT_EQ(batches[1].size, 5u);
  EXPECT_EQ(batches[1].status, DSA_COMP_SUCCESS);
  EXPECT_EQ(h.memmoves().size(), 8u) << "no member runs twice";
}

TEST(DsaCopyEngine, ALastListDescriptorIsResubmittedAlone) {
  Harness h(config(true, 4, 8, k64K), pieces_of(k64K));
  Buffers buffers(4 * k64K);
  h.device->inject_list_fault(0, 3);  // a batch of 4; only the last one is left: not a valid batch
  h.copy(buffers);
  EXPECT_TRUE(buffers.equal());
  const auto memmoves = h.memmoves();
  ASSERT_EQ(memmoves.size(), 4u);
  EXPECT_FALSE(memmoves.back().in_batch);
  EXPECT_EQ(memmoves.back().src, buffers.src_at(3 * k64K));
}

TEST(DsaCopyEngine, ADeviceErrorNamesTheStatusAndSettlesTheQueue) {
  Harness h(config(true, 4, 0, k64K), pieces_of(k64K, false));
  Buffers buffers(kMiB);
  h.device->inject_status(2, DSA_COMP_XFER_ERANGE);
  try {
    h.engine->copy(buffers.dst.data(), buffers.src.data(), buffers.src.size());
    FAIL() << "the error status was ignored";
  } catch (const TuningError& error) {
    EXPECT_EQ(error.call(), "DSA memmove");
    EXPECT_EQ(error.path(), "fake wq (dedicated, 4 entries)");
    EXPECT_NE(
        error.reason().find("completion status 0x13 (transfer size out of range) after 0 of 65536 bytes"),
        std::string::npos)
        << error.what();
  }
  EXPECT_EQ(h.device->queued(), 0u) << "descriptors still in the device when the error left copy()";
}

TEST(DsaCopyEngine, AStalledDeviceTimesOut) {
  FakeDsaDevice::Config c = config(true, 4, 0, k64K);
  c.stalled = true;
  DsaCopyOptions options = pieces_of(k64K, false);
  options.completion_timeout = std::chrono::milliseconds(50);
  Harness h(c, options);
  Buffers buffers(k64K);
  try {
    h.engine->copy(buffers.dst.data(), buffers.src.data(), buffers.src.size());
    FAIL() << "a device that never completes was waited for forever";
  } catch (const TuningError& error) {
    EXPECT_NE(std::string(error.what()).find("no completion record after 50 ms"), std::string::npos)
        << error.what();
  }
}

TEST(DsaPortal, SaysWhyNoWorkQueueIsUsable) {
  DsaInventory inventory;
  DsaDevice disabled;
  disabled.name = "dsa0";
  DsaDevice without_pasid;
  without_pasid.name = "dsa1";
  without_pasid.enabled = true;
  DsaDevice kernel_queues_only;
  kernel_queues_only.name = "dsa2";
  kernel_queues_only.enabled = true;
  kernel_queues_only.pasid_enabled = true;
  DsaWorkQueue kernel_queue;
  kernel_queue.name = "wq2.0";
  kernel_queue.enabled = true;
  kernel_queues_only.work_queues = {kernel_queue};
  DsaDevice unopenable = kernel_queues_only;
  unopenable.name = "dsa3";
  DsaWorkQueue user_queue;
  user_queue.name = "wq3.0";
  user_queue.enabled = true;
  user_queue.user_type = true;
  user_queue.dedicated = true;
  user_queue.device_path = "/nonexistent/dsa/wq3.0";
  unopenable.work_queues = {user_queue};
  inventory.devices = {disabled, without_pasid, kernel_queues_only, unopenable};

  ck::kernels::CpuFeatures isa;
  isa.movdir64b = true;
  const PortalChoice choice = open_dsa_portal(inventory, isa);
  EXPECT_EQ(choice.portal, nullptr);
  EXPECT_EQ(
      choice.reason,
      "dsa0 is disabled; dsa1 has no PASID (shared virtual addressing is off); dsa2 has no usable enabled "
      "user work queue; open /nonexistent/dsa/wq3.0: No such file or directory; dsa3 has no usable enabled "
      "user work queue");

  isa.movdir64b = false;
  try {
    HardwareWorkQueuePortal portal(user_queue, isa);
    FAIL() << "a dedicated queue was opened without MOVDIR64B";
  } catch (const TuningError& error) {
    EXPECT_STREQ(error.what(),
                 "open /nonexistent/dsa/wq3.0: a dedicated queue needs MOVDIR64B, which this CPU lacks");
  }
}

TEST(DsaCopyEngine, StatusTextsAreReadable) {
  EXPECT_EQ(dsa_status_text(DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE),
            "page fault without block-on-fault");
  EXPECT_EQ(dsa_status_text(DSA_COMP_BATCH_FAIL), "one or more descriptors of the batch failed");
  EXPECT_EQ(dsa_status_text(0x7e), "status 0x7e");
}

}  // namespace
}  // namespace ck::tuning
