#include "ckernel/tuning/truncation_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "ckernel/tuning/error.h"

namespace ck::tuning {
namespace {

// One guarded range; begin == 0 marks a free slot. Lock-free, so the handler can read it at any moment.
struct GuardSlot {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
  std::atomic<bool> hit{false};
};

constexpr int kSlots = 64;
constexpr std::uintptr_t kClaimed = 1;  // a slot being filled: no address is below it
GuardSlot g_slots[kSlots];
std::atomic<bool> g_installed{false};
std::uintptr_t g_page_size = 0;  // read before the handler is installed: sysconf is no signal-safe call
std::mutex g_install_mutex;

void on_sigbus(int signal, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (GuardSlot& slot : g_slots) {
    const std::uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    if (begin <= kClaimed || address < begin || address >= slot.end.load(std::memory_order_acquire)) continue;
    // A zero page where the file has none: the faulting read is retried and finds zeros.
    void* fill = reinterpret_cast<void*>(address & ~(g_page_size - 1));
    if (::mmap(fill, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      slot.hit.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not ours (or the zero page could not be had): the default action, as if no handler were installed.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void install_handler() {
  if (g_installed.load(std::memory_order_acquire)) return;
  const std::lock_guard lock(g_install_mutex);
  if (g_installed.load(std::memory_order_relaxed)) return;
  g_page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  struct sigaction action {};
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGBUS, &action, nullptr) != 0) throw_errno("sigaction SIGBUS", "");
  g_installed.store(true, std::memory_order_release);
}

}  // namespace

TruncationGuard::TruncationGuard(const void* address, std::size_t length) : slot_(-1) {
  install_handler();
  const auto begin = reinterpret_cast<std::uintptr_t>(address);
  for (int i = 0; i < kSlots; ++i) {
    // Claimed first (kClaimed hides it from the handler), filled, then published by its begin.
    std::uintptr_t expected = 0;
    if (!g_slots[i].begin.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel)) continue;
    g_slots[i].end.store(begin + length, std::memory_order_release);
    g_slots[i].hit.store(false, std::memory_order_release);
    g_slots[i].begin.store(begin, std::memory_order_release);
    slot_ = i;
    return;
  }
  throw TuningError("TruncationGuard", "", "more than 64 guarded mappings at once");
}

TruncationGuard::~TruncationGuard() { g_slots[slot_].begin.store(0, std::memory_order_release); }

bool TruncationGuard::truncated() const noexcept {
  return g_slots[slot_].hit.load(std::memory_order_acquire);
}

}  // namespace ck::tuning
