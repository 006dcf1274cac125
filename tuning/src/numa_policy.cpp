#include "ckernel/tuning/numa_policy.h"

#include <numa.h>
#include <numaif.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning {
namespace {

struct BitmaskRelease {
  void operator()(bitmask* mask) const noexcept { numa_bitmask_free(mask); }
};
using NodeMask = std::unique_ptr<bitmask, BitmaskRelease>;

// libnuma must be asked first; without kernel NUMA support every policy call would fail with ENOSYS.
void require_numa(const char* call) {
  if (numa_available() < 0) {
    throw TuningError(call, "", "this kernel has no NUMA support (numa_available < 0)");
  }
}

NodeMask to_mask(const IdList& nodes) {
  NodeMask mask(numa_allocate_nodemask());
  for (const int node : nodes.ids()) numa_bitmask_setbit(mask.get(), static_cast<unsigned>(node));
  return mask;
}

IdList from_mask(const bitmask& mask) {
  std::vector<int> nodes;
  for (unsigned node = 0; node < mask.size; ++node) {
    if (numa_bitmask_isbitset(&mask, node)) nodes.push_back(static_cast<int>(node));
  }
  return IdList(std::move(nodes));
}

// The kernel reads maxnode - 1 bits (a historical off-by-one libnuma also compensates for).
unsigned long max_node_argument(const bitmask& mask) { return mask.size + 1; }

int kernel_mode(MemoryPolicyMode mode) {
  switch (mode) {
    case MemoryPolicyMode::default_policy:
      return MPOL_DEFAULT;
    case MemoryPolicyMode::bind:
      return MPOL_BIND;
    case MemoryPolicyMode::interleave:
      return MPOL_INTERLEAVE;
    case MemoryPolicyMode::preferred:
      return MPOL_PREFERRED;
    case MemoryPolicyMode::local:
      return MPOL_LOCAL;
  }
  return MPOL_DEFAULT;
}

MemoryPolicy from_kernel(int mode, const bitmask& mask) {
  // Strip the mode flags the kernel ORs into the upper bits (MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES,
  // MPOL_F_NUMA_BALANCING; numaif.h does not name the first two).
  constexpr int kModeFlags = (1 << 15) | (1 << 14) | (1 << 13);
  mode &= ~kModeFlags;
  const IdList nodes = from_mask(mask);
  switch (mode) {
    case MPOL_BIND:
      return MemoryPolicy::bind(nodes);
    case MPOL_INTERLEAVE:
      return MemoryPolicy::interleave(nodes);
    case MPOL_PREFERRED:
      // Older kernels report "local" as preferred with no node.
      return nodes.empty() ? MemoryPolicy::local() : MemoryPolicy{MemoryPolicyMode::preferred, nodes};
    case MPOL_LOCAL:
      return MemoryPolicy::local();
    default:
      return {};
  }
}

void check_policy(const MemoryPolicy& policy, const char* call) {
  const bool takes_nodes = policy.mode == MemoryPolicyMode::bind ||
                           policy.mode == MemoryPolicyMode::interleave ||
                           policy.mode == MemoryPolicyMode::preferred;
  if (takes_nodes && policy.nodes.empty()) {
    throw TuningError(call, "", "policy '" + policy.to_string() + "' needs at least one node");
  }
  if (!takes_nodes && !policy.nodes.empty()) {
    throw TuningError(call, "", "policy '" + policy.to_string() + "' takes no nodes");
  }
  if (policy.mode == MemoryPolicyMode::preferred && policy.nodes.size() != 1) {
    throw TuningError(call, "", "policy 'preferred' takes exactly one node, not " + policy.nodes.to_string());
  }
  require_memory_nodes(policy.nodes, call);
}

std::string region_text(const void* address, std::size_t length) {
  char text[64];
  std::snprintf(text, sizeof text, "%p +%zu", address, length);
  return text;
}

std::string nodes_phrase(const IdList& nodes, const char* singular, const char* plural) {
  return std::string(nodes.size() == 1 ? "NUMA node " : "NUMA nodes ") + nodes.to_string() + " " +
         (nodes.size() == 1 ? singular : plural);
}

}  // namespace

std::string MemoryPolicy::to_string() const {
  switch (mode) {
    case MemoryPolicyMode::default_policy:
      return "default";
    case MemoryPolicyMode::bind:
      return "bind " + nodes.to_string();
    case MemoryPolicyMode::interleave:
      return "interleave " + nodes.to_string();
    case MemoryPolicyMode::preferred:
      return "preferred " + nodes.to_string();
    case MemoryPolicyMode::local:
      return "local";
  }
  return "unknown";
}

void require_memory_nodes(const IdList& nodes, std::string_view what) {
  const IdList online = online_nodes();
  const IdList with_memory = nodes_with_memory();
  const IdList absent = nodes.difference(online);
  if (!absent.empty()) {
    throw TuningError(std::string(what), "",
                      nodes_phrase(absent, "does not exist", "do not exist") +
                          " (nodes with memory: " + with_memory.to_string() + ")");
  }
  const IdList memoryless = nodes.difference(with_memory);
  if (!memoryless.empty()) {
    throw TuningError(std::string(what), "",
                      nodes_phrase(memoryless, "has no memory", "have no memory") +
                          " (nodes with memory: " + with_memory.to_string() + ")");
  }
}

void set_region_policy(void* address, std::size_t length, const MemoryPolicy& policy,
                       bool move_existing_pages) {
  require_numa("mbind");
  check_policy(policy, "mbind");
  const NodeMask mask = to_mask(policy.nodes);
  const bool uses_mask = !policy.nodes.empty();
  const unsigned flags = move_existing_pages && uses_mask ? MPOL_MF_MOVE | MPOL_MF_STRICT : 0;
  if (mbind(address, length, kernel_mode(policy.mode), uses_mask ? mask->maskp : nullptr,
            uses_mask ? max_node_argument(*mask) : 0, flags) != 0) {
    throw_errno("mbind " + policy.to_string(), region_text(address, length));
  }
}

MemoryPolicy region_policy(const void* address) {
  require_numa("get_mempolicy");
  const NodeMask mask(numa_allocate_nodemask());
  int mode = 0;
  if (get_mempolicy(&mode, mask->maskp, max_node_argument(*mask), const_cast<void*>(address), MPOL_F_ADDR) !=
      0) {
    throw_errno("get_mempolicy MPOL_F_ADDR", region_text(address, 0));
  }
  return from_kernel(mode, *mask);
}

void set_thread_policy(const MemoryPolicy& policy) {
  require_numa("set_mempolicy");
  check_policy(policy, "set_mempolicy");
  const NodeMask mask = to_mask(policy.nodes);
  const bool uses_mask = !policy.nodes.empty();
  if (set_mempolicy(kernel_mode(policy.mode), uses_mask ? mask->maskp : nullptr,
                    uses_mask ? max_node_argument(*mask) : 0) != 0) {
    throw_errno("set_mempolicy " + policy.to_string(), "thread " + std::to_string(gettid()));
  }
}

MemoryPolicy thread_policy() {
  require_numa("get_mempolicy");
  const NodeMask mask(numa_allocate_nodemask());
  int mode = 0;
  if (get_mempolicy(&mode, mask->maskp, max_node_argument(*mask), nullptr, 0) != 0) {
    throw_errno("get_mempolicy", "thread " + std::to_string(gettid()));
  }
  return from_kernel(mode, *mask);
}

ScopedThreadPolicy::ScopedThreadPolicy(const MemoryPolicy& policy) : previous_(thread_policy()) {
  set_thread_policy(policy);
}

ScopedThreadPolicy::~ScopedThreadPolicy() {
  try {
    set_thread_policy(previous_);
  } catch (const TuningError&) {
    // The previous policy was valid when read; failing to restore it leaves the thread's policy set.
  }
}

std::vector<int> page_nodes(const void* address, std::size_t length) {
  require_numa("move_pages");
  const auto page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(address) & ~(page_size - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(address) + length;
  std::vector<void*> pages;
  for (std::uintptr_t page = first; page < end; page += page_size) {
    pages.push_back(reinterpret_cast<void*>(page));
  }
  std::vector<int> status(pages.size(), 0);
  // With no target nodes move_pages only reports where each page is.
  if (move_pages(0, pages.size(), pages.data(), nullptr, status.data(), 0) != 0) {
    throw_errno("move_pages (query)", region_text(address, length));
  }
  return status;
}

NodeLocalBuffer::NodeLocalBuffer(std::size_t bytes, int node) : size_(bytes), node_(node) {
  require_numa("numa_alloc_onnode");
  require_memory_nodes(IdList{node}, "numa_alloc_onnode");
  data_ = static_cast<std::byte*>(numa_alloc_onnode(bytes, node));
  if (data_ == nullptr) {
    throw_errno("numa_alloc_onnode " + format_bytes(bytes), "node " + std::to_string(node), ENOMEM);
  }
}

NodeLocalBuffer::NodeLocalBuffer(NodeLocalBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(other.size_), node_(other.node_) {}

NodeLocalBuffer::~NodeLocalBuffer() {
  if (data_ != nullptr) numa_free(data_, size_);
}

}  // namespace ck::tuning
