#include "ckernel/tuning/dsa_inventory.h"

#include <accel-config/libaccel_config.h>
#include <limits.h>

#include <memory>

#include "ckernel/tuning/error.h"

namespace ck::tuning {
namespace {

struct AccfgContextRelease {
  void operator()(accfg_ctx* context) const noexcept { accfg_unref(context); }
};
using AccfgContext = std::unique_ptr<accfg_ctx, AccfgContextRelease>;

DsaWorkQueue describe_work_queue(accfg_wq* wq) {
  DsaWorkQueue queue;
  queue.name = accfg_wq_get_devname(wq);
  queue.dedicated = accfg_wq_get_mode(wq) == ACCFG_WQ_DEDICATED;
  queue.enabled = accfg_wq_get_state(wq) == ACCFG_WQ_ENABLED;
  queue.user_type = accfg_wq_get_type(wq) == ACCFG_WQT_USER;
  queue.block_on_fault = accfg_wq_get_block_on_fault(wq) > 0;
  queue.size = accfg_wq_get_size(wq);
  queue.max_batch_size = accfg_wq_get_max_batch_size(wq);
  queue.max_transfer_size = accfg_wq_get_max_transfer_size(wq);
  queue.group = accfg_wq_get_group_id(wq);
  char path[PATH_MAX] = {};
  // Only enabled user queues have a character device; for the others the lookup fails harmlessly.
  if (queue.enabled && queue.user_type && accfg_wq_get_user_dev_path(wq, path, sizeof path) == 0) {
    queue.device_path = path;
  }
  return queue;
}

}  // namespace

DsaInventory discover_dsa_devices() {
  DsaInventory inventory;
  accfg_ctx* raw_context = nullptr;
  if (const int rc = accfg_new(&raw_context); rc < 0 || raw_context == nullptr) {
    inventory.status = "absent: accfg_new failed (" + errno_text(-rc) + ")";
    return inventory;
  }
  const AccfgContext context(raw_context);

  accfg_device* device = nullptr;
  accfg_device_foreach(context.get(), device) {
    if (accfg_device_get_type(device) != ACCFG_DEVICE_DSA) continue;  // IAA devices share the bus
    DsaDevice entry;
    entry.name = accfg_device_get_devname(device);
    entry.numa_node = accfg_device_get_numa_node(device);
    entry.enabled = accfg_device_get_state(device) == ACCFG_DEVICE_ENABLED;
    entry.pasid_enabled = accfg_device_get_pasid_enabled(device);
    entry.completion_record_size = accfg_device_get_compl_size(device);
    accfg_wq* wq = nullptr;
    accfg_wq_foreach(device, wq) { entry.work_queues.push_back(describe_work_queue(wq)); }
    inventory.devices.push_back(std::move(entry));
  }

  if (inventory.devices.empty()) {
    inventory.status = "absent: libaccel-config found no DSA device (no idxd driver or no hardware)";
    return inventory;
  }
  std::size_t usable_queues = 0;
  for (const DsaDevice& d : inventory.devices) {
    for (const DsaWorkQueue& q : d.work_queues) usable_queues += !q.device_path.empty();
  }
  inventory.status = std::to_string(inventory.devices.size()) + " DSA device(s), " +
                     std::to_string(usable_queues) + " enabled user work queue(s)";
  return inventory;
}

}  // namespace ck::tuning
