// Where ckbench puts the model's weights and the session's memory. `default`: the engine's own choice (a
// mapping of the file in the page cache, anonymous normal pages). `hugepages`: what ckd does for tenants,
// built from the tuning library: huge pages reserved for the run (and given back after), a private
// hugetlbfs mount, the model file copied into it with the copy engine (tuning's ResidentFileStore, as
// ckd keeps tenants' weights), and session buffers in hugetlbfs files of the same mount.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ckernel/engine/memory.h"
#include "ckernel/engine/model_image.h"
#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/hugetlbfs_mount.h"

namespace ck::bench {

class HugePageMemory {
 public:
  // Reserves enough 2 MiB pages for `model_bytes` plus `session_bytes` (rounded per buffer) on node 0 and
  // mounts hugetlbfs. Throws TuningError (not root, no hugepage support).
  HugePageMemory(uint64_t model_bytes, uint64_t session_bytes);
  ~HugePageMemory();
  HugePageMemory(const HugePageMemory&) = delete;
  HugePageMemory& operator=(const HugePageMemory&) = delete;

  // The file's bytes copied into hugetlbfs pages (normal pages if the pool ran short: see placement).
  ModelImage load_model(const std::string& path);
  // Session buffers in hugetlbfs files of the mount.
  std::shared_ptr<BufferAllocator> allocator() const { return allocator_; }
  std::string reservation_summary() const { return reservation_.summary(); }

 private:
  ck::tuning::HugePageReservation reservation_;
  ck::tuning::HugetlbfsMount mount_;
  std::unique_ptr<ck::tuning::CopyEngine> copy_engine_;
  std::shared_ptr<BufferAllocator> allocator_;
};

}  // namespace ck::bench
