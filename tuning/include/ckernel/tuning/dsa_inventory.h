// Intel Data Streaming Accelerator devices and their work queues, as libaccel-config sees them in
// /sys/bus/dsa. A host without DSA is the common case: the inventory is then empty and says why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ck::tuning {

struct DsaWorkQueue {
  std::string name;         // "wq0.0"
  std::string device_path;  // the character device user space opens, "/dev/dsa/wq0.0"; empty if none
  bool dedicated = false;   // dedicated: MOVDIR64B, one client; shared: ENQCMD, many clients
  bool enabled = false;
  bool user_type = false;  // only "user" queues can be opened from user space
  bool block_on_fault = false;
  std::uint64_t size = 0;  // descriptors the queue holds
  unsigned max_batch_size = 0;
  std::uint64_t max_transfer_size = 0;
  int group = -1;
};

struct DsaDevice {
  std::string name;  // "dsa0"
  int numa_node = -1;
  bool enabled = false;
  bool pasid_enabled = false;  // shared virtual addressing: descriptors may carry user virtual addresses
  unsigned completion_record_size = 32;
  std::vector<DsaWorkQueue> work_queues;
};

struct DsaInventory {
  std::vector<DsaDevice> devices;
  // "absent: ..." when there is no device, otherwise a one-line summary.
  std::string status;

  bool present() const noexcept { return !devices.empty(); }
};

// Never throws for an absent accelerator: that is a normal answer, reported in status.
DsaInventory discover_dsa_devices();

}  // namespace ck::tuning
