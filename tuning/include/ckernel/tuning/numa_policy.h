// NUMA memory policy through libnuma: for a memory region (mbind), for the calling thread
// (set_mempolicy), node-local allocation, and where pages actually landed (move_pages queries).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/tuning/id_list.h"

namespace ck::tuning {

enum class MemoryPolicyMode {
  default_policy,  // the thread's policy (for a region) or local allocation (for a thread)
  bind,            // only these nodes; allocation fails rather than spill elsewhere
  interleave,      // round-robin page by page over these nodes
  preferred,       // this node first, others when it is full
  local,           // the node of the CPU that faults the page in
};

struct MemoryPolicy {
  MemoryPolicyMode mode = MemoryPolicyMode::default_policy;
  IdList nodes;  // empty for default_policy and local

  static MemoryPolicy bind(IdList nodes) { return {MemoryPolicyMode::bind, std::move(nodes)}; }
  static MemoryPolicy interleave(IdList nodes) { return {MemoryPolicyMode::interleave, std::move(nodes)}; }
  static MemoryPolicy preferred(int node) { return {MemoryPolicyMode::preferred, IdList{node}}; }
  static MemoryPolicy local() { return {MemoryPolicyMode::local, {}}; }

  // "bind 0", "interleave 0-3", "preferred 1", "local", "default".
  std::string to_string() const;
  friend bool operator==(const MemoryPolicy&, const MemoryPolicy&) = default;
};

// Throws TuningError naming the nodes that do not exist or have no memory, e.g.
// "NUMA node 7 does not exist (nodes with memory: 0)". `what` says who asked ("mbind", "tenant a").
void require_memory_nodes(const IdList& nodes, std::string_view what);

// Sets the policy of [address, address + length) (page aligned). With move_existing_pages, pages
// already faulted in elsewhere are migrated, and the call fails if some cannot be (MPOL_MF_STRICT).
void set_region_policy(void* address, std::size_t length, const MemoryPolicy& policy,
                       bool move_existing_pages = true);
MemoryPolicy region_policy(const void* address);

// The calling thread's policy, for its future allocations.
void set_thread_policy(const MemoryPolicy& policy);
MemoryPolicy thread_policy();

// Sets the calling thread's policy and restores the previous one when it ends.
class ScopedThreadPolicy {
 public:
  explicit ScopedThreadPolicy(const MemoryPolicy& policy);
  ~ScopedThreadPolicy();
  ScopedThreadPolicy(const ScopedThreadPolicy&) = delete;
  ScopedThreadPolicy& operator=(const ScopedThreadPolicy&) = delete;

  const MemoryPolicy& previous() const noexcept { return previous_; }

 private:
  MemoryPolicy previous_;
};

// The node of every base page of the region, or a negative errno for a page that is not there
// (-ENOENT: never touched). A query: nothing is moved or faulted in.
std::vector<int> page_nodes(const void* address, std::size_t length);

// Memory allocated on one node (numa_alloc_onnode: mmap + mbind), freed on destruction. The pages
// come when first touched; populate() touches them now.
class NodeLocalBuffer {
 public:
  NodeLocalBuffer(std::size_t bytes, int node);
  ~NodeLocalBuffer();
  NodeLocalBuffer(NodeLocalBuffer&& other) noexcept;
  NodeLocalBuffer& operator=(NodeLocalBuffer&&) = delete;
  NodeLocalBuffer(const NodeLocalBuffer&) = delete;
  NodeLocalBuffer& operator=(const NodeLocalBuffer&) = delete;

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  int node() const noexcept { return node_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  int node_ = 0;
};

}  // namespace ck::tuning
