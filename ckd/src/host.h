// What ckd sets up on the host at start and gives back at exit: a hugetlbfs mount for weight copies, the
// budget of huge pages it reserves per copy, the copy engine, and the store of resident weight files.
// What a killed ckd left (its mount, the files in it, its huge pages) is cleared first. Whatever cannot
// be had is a note in the status, not a reason to stop: weights then stay in the page cache.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/json/json.h"
#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/id_list.h"
#include "ckernel/tuning/resident_file.h"
#include "hugepage_budget.h"
#include "options.h"

namespace ck::daemon {

class Host {
 public:
  // worker_gid: the group the workers run as, which must read the hugetlbfs copies. kernel_wisdom: what
  // ckd read from <state_dir>/kernel-wisdom.json (applied already); with the hugepages setting auto, its
  // weights_on_hugepages decides whether weights are copied into huge pages.
  Host(const DaemonOptions& options, std::optional<gid_t> worker_gid, WisdomUse kernel_wisdom);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const tuning::IdList& cpus() const noexcept { return cpus_; }
  const tuning::IdList& nodes() const noexcept { return nodes_; }
  // MemTotal: what a tenant's memory limit may not exceed.
  std::uint64_t memory_bytes() const noexcept { return memory_bytes_; }
  std::uint64_t hugepages_reserved_bytes() const;
  std::string copy_engine_kind() const;  // "dsa" or "cpu"
  tuning::ResidentFileStore& resident_files() { return *resident_files_; }
  // The hugetlbfs mount the weight copies live in, when ckd could make one.
  std::optional<std::filesystem::path> hugetlbfs_mount() const;
  const std::vector<std::string>& notes() const noexcept { return notes_; }

  // The kernel wisdom ckd read at start, and where: each worker is given the same file.
  const WisdomUse& kernel_wisdom() const noexcept { return kernel_wisdom_; }

  // The "host" member of the GetStatus document.
  ck::Json status() const;
  // Its "kernel_tuning" member.
  ck::Json kernel_tuning_status() const;

 private:
  void clear_previous_instance(const DaemonOptions& options);
  void set_up_hugepages(const DaemonOptions& options, std::optional<gid_t> worker_gid);

  tuning::IdList cpus_;
  tuning::IdList nodes_;
  std::uint64_t memory_bytes_ = 0;
  std::vector<std::string> notes_;
  WisdomUse kernel_wisdom_;
  std::string cpu_model_name_;  // /proc/cpuinfo's, read once (the CPU does not change under ckd)
  std::optional<tuning::HugetlbfsMount> mount_;
  std::unique_ptr<HugePageBudget> budget_;
  std::unique_ptr<tuning::CopyEngine> copy_engine_;
  std::unique_ptr<tuning::ResidentFileStore> resident_files_;
};

}  // namespace ck::daemon
