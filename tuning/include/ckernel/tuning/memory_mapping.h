// Owned memory mappings: any mmap'ed region (unmapped on destruction), a shared file in hugetlbfs, and
// what /proc/PID/smaps says backs a mapping.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace ck::tuning {

class MemoryMapping {
 public:
  MemoryMapping() = default;
  // Adopts a region returned by mmap.
  MemoryMapping(void* address, std::size_t length) noexcept;
  ~MemoryMapping();
  MemoryMapping(MemoryMapping&& other) noexcept;
  MemoryMapping& operator=(MemoryMapping&& other) noexcept;
  MemoryMapping(const MemoryMapping&) = delete;
  MemoryMapping& operator=(const MemoryMapping&) = delete;

  std::byte* data() const noexcept { return static_cast<std::byte*>(address_); }
  std::size_t size() const noexcept { return length_; }
  std::span<std::byte> bytes() const noexcept { return {data(), length_}; }
  explicit operator bool() const noexcept { return address_ != nullptr; }

  // Anonymous private read-write memory of normal pages, not yet faulted in.
  static MemoryMapping anonymous(std::size_t length);

 private:
  void* address_ = nullptr;
  std::size_t length_ = 0;
};

// A file in a hugetlbfs mount, mapped MAP_SHARED: every process that maps the same file shares one
// copy of its pages, which is how tenants share model weights.
class HugePageFile {
 public:
  // Creates the file (or opens it if present), sizes it to whole huge pages and maps it. The kernel
  // reserves the pages at mmap time, so a short pool fails here with ENOMEM rather than with SIGBUS at
  // first touch. Throws TuningError naming the call and the file.
  static HugePageFile create(const std::filesystem::path& file, std::uint64_t bytes);
  // Maps an existing file whole, as a second process does.
  static HugePageFile open(const std::filesystem::path& file);

  const std::filesystem::path& path() const noexcept { return path_; }
  std::uint64_t page_size() const noexcept { return page_size_; }
  MemoryMapping& mapping() noexcept { return mapping_; }
  std::byte* data() const noexcept { return mapping_.data(); }
  std::size_t size() const noexcept { return mapping_.size(); }

  // Removes the file's name; its pages are freed when the last process unmaps them.
  void remove_file();

 private:
  HugePageFile(std::filesystem::path path, std::uint64_t page_size, MemoryMapping mapping);
  std::filesystem::path path_;
  std::uint64_t page_size_ = 0;
  MemoryMapping mapping_;
};

// The /proc/PID/smaps counters of the mapping that contains address (all in bytes).
struct MappingPageStats {
  std::uint64_t size = 0;
  std::uint64_t kernel_page_size = 0;
  std::uint64_t rss = 0;
  std::uint64_t anon_huge_pages = 0;  // transparent huge pages
  std::uint64_t shared_hugetlb = 0;
  std::uint64_t private_hugetlb = 0;
};
MappingPageStats read_mapping_page_stats(pid_t pid, const void* address);

// Faults every page of the region in, writing when for_write (for fresh anonymous memory) and only
// reading otherwise (a read fault allocates hugetlbfs pages without touching shared contents).
void populate(void* address, std::size_t length, bool for_write);

}  // namespace ck::tuning
