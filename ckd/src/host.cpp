#include "host.h"

#include <unistd.h>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::daemon {

using ck::Json;

namespace {

constexpr std::uint64_t kHugePageBytes = 2 * tuning::kMiB;

std::filesystem::path ledger_path(const DaemonOptions& options) {
  return options.runtime_dir / "hugepages.ledger";
}

}  // namespace

Host::Host(const DaemonOptions& options, std::optional<gid_t> worker_gid, WisdomUse kernel_wisdom)
    : kernel_wisdom_(std::move(kernel_wisdom)), cpu_model_name_(this_host_cpu().model_name) {
  const tuning::Topology topology = tuning::discover_topology();
  cpus_ = topology.online_cpus;
  nodes_ = tuning::nodes_with_memory();
  // MemTotal. The nodes' own totals can leave memory out (a VM's node 0 may report only part of it).
  memory_bytes_ = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                  static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

  clear_previous_instance(options);
  set_up_hugepages(options, worker_gid);

  tuning::CopyEngineChoice choice = tuning::choose_copy_engine();
  copy_engine_ = std::move(choice.engine);
  if (copy_engine_kind() != "dsa")
    notes_.push_back("no DSA device: weights are copied by the CPU (" + choice.reason + ")");
  tuning::HugePageReserver reserver;
  if (budget_) {
    reserver = [budget = budget_.get()](std::optional<int> node, std::uint64_t bytes) {
      return budget->reserve(node, bytes);
    };
  }
  resident_files_ = std::make_unique<tuning::ResidentFileStore>(
      mount_ ? std::optional(mount_->mount_point()) : std::nullopt, *copy_engine_, std::move(reserver));
}

Host::~Host() = default;

void Host::clear_previous_instance(const DaemonOptions& options) {
  // Order matters: the files of the old mount hold the old pages; once they are gone the pages are free
  // and the pool can shrink by what the old ledger says ckd added.
  try {
    if (const std::size_t removed = tuning::remove_stale_hugetlbfs_mounts(options.hugetlbfs_mount)) {
      notes_.push_back("removed " + std::to_string(removed) + " hugetlbfs mount(s) a previous ckd left at " +
                       options.hugetlbfs_mount.string());
    }
  } catch (const tuning::TuningError& e) {
    notes_.push_back(std::string("a previous ckd's hugetlbfs mount stays: ") + e.what());
  }
  if (auto report = HugePageBudget::release_previous(ledger_path(options), kHugePageBytes))
    notes_.push_back(*report);
}

void Host::set_up_hugepages(const DaemonOptions& options, std::optional<gid_t> worker_gid) {
  const std::uint64_t cap_pages =
      options.hugepages_cap_pages ? *options.hugepages_cap_pages : memory_bytes_ / 2 / kHugePageBytes;
  if (cap_pages == 0) {
    notes_.push_back("huge pages off (hugepages = 0): weights stay in the page cache");
    return;
  }
  // With hugepages = auto, the host's measurement decides: copies into huge pages cost memory set aside
  // and a copy per load, worth it only where decode streams faster from them. A number set by the admin
  // stands. Without wisdom, huge pages as ever.
  if (!options.hugepages_cap_pages && kernel_wisdom_.wisdom && !kernel_wisdom_.wisdom->weights_on_hugepages) {
    notes_.push_back("huge pages off: the kernel wisdom (" + kernel_wisdom_.path.string() +
                     ") measured weights no faster on huge pages (" +
                     kernel_wisdom_.wisdom->measurements.hugepages_note +
                     "); weights stay in the page cache (set hugepages to a number to copy them anyway)");
    return;
  }
  try {
    tuning::node_hugepage_directory(nodes_.empty() ? 0 : nodes_.ids()[0], kHugePageBytes);
    tuning::HugetlbfsOptions mount_options;
    mount_options.page_size = kHugePageBytes;
    // Root writes the copies; the workers' group reads them and nobody else may look.
    mount_options.gid = worker_gid;
    mount_options.mode = worker_gid ? 0750 : 0700;
    mount_.emplace(options.hugetlbfs_mount, mount_options);
  } catch (const tuning::TuningError& e) {
    notes_.push_back(std::string("hugetlbfs: ") + e.what() + "; weights stay in the page cache");
    return;
  }
  budget_ = std::make_unique<HugePageBudget>(cap_pages, kHugePageBytes, nodes_, ledger_path(options));
  notes_.push_back("weights go to huge pages, reserved per model: at most " + std::to_string(cap_pages) +
                   " pages of 2 MiB (" + tuning::format_bytes(cap_pages * kHugePageBytes) + ")");
}

std::uint64_t Host::hugepages_reserved_bytes() const {
  return budget_ ? budget_->reserved_pages() * kHugePageBytes : 0;
}

std::optional<std::filesystem::path> Host::hugetlbfs_mount() const {
  return mount_ ? std::optional(mount_->mount_point()) : std::nullopt;
}

std::string Host::copy_engine_kind() const { return copy_engine_->name().starts_with("dsa") ? "dsa" : "cpu"; }

Json Host::kernel_tuning_status() const {
  Json::Object status = describe_json(kernel_wisdom_);
  status["cpu"] = kernel_wisdom_.wisdom ? kernel_wisdom_.wisdom->cpu.model_name : cpu_model_name_;
  return status;
}

Json Host::status() const {
  std::uint64_t free_pages = 0;
  for (const int node : nodes_.ids()) {
    try {
      free_pages += tuning::node_hugepage_pool(node, kHugePageBytes).free;
    } catch (const tuning::TuningError&) {
      // A kernel without 2 MiB pages: nothing is free.
    }
  }
  Json::Array notes(notes_.begin(), notes_.end());
  return Json::Object{
      {"cpus", cpus_.to_string()},
      {"nodes", nodes_.to_string()},
      {"memory_bytes", memory_bytes_},
      {"isa", std::string(ck::kernels::isa_level_name(ck::kernels::active_isa_level()))},
      {"hugepages", Json::Object{{"page_bytes", kHugePageBytes},
                                 {"reserved", hugepages_reserved_bytes() / kHugePageBytes},
                                 {"limit", budget_ ? budget_->cap_pages() : std::uint64_t{0}},
                                 {"free", free_pages},
                                 {"mount", mount_ ? mount_->mount_point().string() : std::string()}}},
      {"copy_engine", copy_engine_kind()},
      {"notes", std::move(notes)},
  };
}

}  // namespace ck::daemon
