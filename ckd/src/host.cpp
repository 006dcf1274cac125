#include "host.h"

#include <unistd.h>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ckernel::daemon {

using ck::Json;

namespace {

constexpr std::uint64_t kHugePageBytes = 2 * tuning::kMiB;

}  // namespace

Host::Host(const DaemonOptions& options) {
  const tuning::Topology topology = tuning::discover_topology();
  cpus_ = topology.online_cpus;
  nodes_ = tuning::nodes_with_memory();
  for (const tuning::NumaNode& node : topology.nodes) memory_bytes_ += node.memory_total_bytes;
  if (memory_bytes_ == 0) {
    memory_bytes_ = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                    static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  }

  if (options.hugepages > 0) {
    // Spread the pages over the nodes with memory, the first nodes taking the remainder.
    const std::uint64_t node_count = std::max<std::uint64_t>(nodes_.size(), 1);
    std::uint64_t total_granted = 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const std::uint64_t pages =
          options.hugepages / node_count + (i < options.hugepages % node_count ? 1 : 0);
      if (pages == 0) continue;
      try {
        tuning::HugePageReservation& reservation =
            reservations_.emplace_back(nodes_.ids()[i], kHugePageBytes, pages);
        if (!reservation.complete()) notes_.push_back(reservation.summary());
        total_granted += reservation.granted();
      } catch (const tuning::TuningError& e) {
        notes_.push_back(std::string("huge pages: ") + e.what());
      }
    }
    if (total_granted > 0) {
      try {
        tuning::HugetlbfsOptions mount_options;
        mount_options.page_size = kHugePageBytes;
        mount_options.size_limit_bytes = total_granted * kHugePageBytes;
        mount_.emplace(options.hugetlbfs_mount, mount_options);
      } catch (const tuning::TuningError& e) {
        notes_.push_back(std::string("hugetlbfs: ") + e.what() + "; weights stay in the page cache");
      }
    }
  } else {
    notes_.push_back("no huge pages reserved (--hugepages 0): weights stay in the page cache");
  }

  tuning::CopyEngineChoice choice = tuning::choose_copy_engine();
  copy_engine_ = std::move(choice.engine);
  if (copy_engine_kind() != "dsa")
    notes_.push_back("no DSA device: weights are copied by the CPU (" + choice.reason + ")");
  resident_files_ = std::make_unique<tuning::ResidentFileStore>(
      mount_ ? std::optional(mount_->mount_point()) : std::nullopt, *copy_engine_);
}

Host::~Host() = default;

std::uint64_t Host::hugepages_reserved_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& reservation : reservations_) bytes += reservation.granted() * reservation.page_size();
  return bytes;
}

std::optional<std::filesystem::path> Host::hugetlbfs_mount() const {
  return mount_ ? std::optional(mount_->mount_point()) : std::nullopt;
}

std::string Host::copy_engine_kind() const { return copy_engine_->name().starts_with("dsa") ? "dsa" : "cpu"; }

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
                                 {"free", free_pages},
                                 {"mount", mount_ ? mount_->mount_point().string() : std::string()}}},
      {"copy_engine", copy_engine_kind()},
      {"notes", std::move(notes)},
  };
}

}  // namespace ckernel::daemon
