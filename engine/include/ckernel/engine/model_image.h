// Where the bytes of a GGUF file live while models use them. By default a read-only mapping of the file;
// the host-tuning side may instead hand over a copy it placed in hugepages or on a NUMA node. The engine
// only reads the bytes and keeps `owner` alive for as long as any model built from them exists.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace ck {

struct ModelImage {
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;  // whatever keeps `bytes` valid (a mapping, a hugetlbfs file)
  std::string name;                   // the file's path, used in error messages
  std::string placement;              // where the bytes are, for status: "file mapping (page cache)"
};

// Maps `path` read-only (pages shared with the page cache). Throws GgufError naming the path and the
// failing call when the file cannot be opened or mapped.
ModelImage map_model_file(const std::string& path);

}  // namespace ck
