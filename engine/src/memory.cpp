#include "ckernel/engine/memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>

namespace ck {
namespace {

class AnonymousMapping {
 public:
  explicit AnonymousMapping(size_t bytes) : size_(bytes) {
    address_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (address_ == MAP_FAILED)
      throw std::system_error(errno, std::generic_category(),
                              "mmap of " + std::to_string(bytes) + " bytes of session memory");
  }
  ~AnonymousMapping() { ::munmap(address_, size_); }
  AnonymousMapping(const AnonymousMapping&) = delete;
  AnonymousMapping& operator=(const AnonymousMapping&) = delete;

  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(address_), size_}; }

 private:
  void* address_;
  size_t size_;
};

class NormalPageAllocator final : public BufferAllocator {
 public:
  Buffer allocate(size_t bytes) override {
    if (bytes == 0) return {};
    auto mapping = std::make_shared<AnonymousMapping>(bytes);
    const std::span<std::byte> span = mapping->bytes();
    return Buffer(span, std::move(mapping));
  }
  std::string describe() const override { return "anonymous memory (normal pages)"; }
};

}  // namespace

std::shared_ptr<BufferAllocator> default_buffer_allocator() {
  static const std::shared_ptr<BufferAllocator> allocator = std::make_shared<NormalPageAllocator>();
  return allocator;
}

}  // namespace ck
