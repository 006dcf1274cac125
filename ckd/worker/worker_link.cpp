#include "worker_link.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "worker_channel.h"

namespace ck::daemon {

void WorkerLink::send(const WorkerMessage& message) {
  const std::lock_guard lock(send_lock_);
  send_message(fd_, message);
}

std::optional<WorkerMessage> WorkerLink::receive() {
  auto message = receive_message(fd_, decoder_);
  if (!message) closed_ = true;
  return message;
}

std::vector<WorkerMessage> WorkerLink::receive_arrived() {
  std::array<std::byte, 4096> buffer;
  while (!closed_) {
    const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (received > 0) {
      decoder_.feed(buffer.data(), static_cast<std::size_t>(received));
      continue;
    }
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (received < 0) throw std::system_error(errno, std::generic_category(), "read from ckd's socket");
    closed_ = true;  // end of file: ckd is gone
  }
  std::vector<WorkerMessage> arrived;
  while (auto message = decoder_.next()) arrived.push_back(std::move(*message));
  return arrived;
}

}  // namespace ck::daemon
