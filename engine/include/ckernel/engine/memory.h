// Where a session's large working memory comes from (the KV cache, the activations of a prompt batch).
// The engine asks a BufferAllocator and never decides the pages itself: by default ordinary anonymous
// pages, while the host-tuning side can hand in hugepages or node-local memory without the engine
// depending on it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace ck {

// Zeroed memory aligned to at least 64 bytes, released when the Buffer ends.
class Buffer {
 public:
  Buffer() = default;
  // `owner` keeps `bytes` valid (a mapping, a hugetlbfs file) and releases them when destroyed.
  Buffer(std::span<std::byte> bytes, std::shared_ptr<void> owner) : bytes_(bytes), owner_(std::move(owner)) {}

  std::span<std::byte> bytes() const { return bytes_; }

 private:
  std::span<std::byte> bytes_;
  std::shared_ptr<void> owner_;
};

class BufferAllocator {
 public:
  virtual ~BufferAllocator() = default;
  // A zeroed buffer of at least `bytes` bytes (0 gives an empty buffer). Throws when memory cannot be had,
  // naming the size.
  virtual Buffer allocate(size_t bytes) = 0;
  // What backs the buffers, for status output: "anonymous memory (4 KiB pages)".
  virtual std::string describe() const = 0;
};

// Anonymous private mappings of normal pages, zeroed by the kernel and page aligned.
std::shared_ptr<BufferAllocator> default_buffer_allocator();

// `count` elements of T in one buffer from an allocator.
template <class T>
class TypedBuffer {
 public:
  TypedBuffer(BufferAllocator& allocator, size_t count)
      : memory_(allocator.allocate(count * sizeof(T))),
        items_(reinterpret_cast<T*>(memory_.bytes().data()), count) {}

  T* data() const { return items_.data(); }
  size_t size() const { return items_.size(); }
  std::span<T> span() const { return items_; }

 private:
  Buffer memory_;
  std::span<T> items_;
};

}  // namespace ck
