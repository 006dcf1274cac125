#include "ckernel/tuning/copy_engine.h"

#include <chrono>
#include <cstdint>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/tuning/cpu_copy_engine.h"
#include "ckernel/tuning/dsa_copy_engine.h"
#include "ckernel/tuning/dsa_inventory.h"
#include "ckernel/tuning/error.h"

namespace ck::tuning {

void CopyEngine::copy(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) {
  const auto d = reinterpret_cast<std::uintptr_t>(dst);
  const auto s = reinterpret_cast<std::uintptr_t>(src);
  if (bytes != 0 && d < s + bytes && s < d + bytes) {
    throw TuningError("CopyEngine::copy", name(), "source and destination overlap");
  }
  const auto start = std::chrono::steady_clock::now();
  copy_bytes(dst, src, bytes, progress);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  last_gbps_ = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0;
  total_bytes_ += bytes;
  total_seconds_ += seconds;
}

double CopyEngine::gigabytes_per_second() const noexcept {
  return total_seconds_ > 0 ? static_cast<double>(total_bytes_) / total_seconds_ / 1e9 : 0;
}

CopyEngineChoice choose_copy_engine(const CopyEngineOptions& options) {
  CopyEngineChoice choice;
  if (options.allow_dsa) {
    const DsaInventory inventory = discover_dsa_devices();
    if (!inventory.present()) {
      choice.reason = "no DSA (" + inventory.status + ")";
    } else {
      PortalChoice portal = open_dsa_portal(inventory, ck::kernels::detect_cpu_features());
      if (portal.portal) {
        choice.reason = "DSA: " + portal.reason;
        choice.engine = std::make_unique<DsaCopyEngine>(std::move(portal.portal));
        return choice;
      }
      choice.reason = "DSA present but unusable (" + portal.reason + ")";
    }
  } else {
    choice.reason = "DSA not allowed by the configuration";
  }
  CpuCopyOptions cpu;
  cpu.threads = options.cpu_threads;
  choice.engine = std::make_unique<CpuCopyEngine>(cpu);
  choice.reason += "; " + choice.engine->name();
  return choice;
}

}  // namespace ck::tuning
