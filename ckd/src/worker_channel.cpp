#include "worker_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace ck::daemon {

void send_message(int fd, const WorkerMessage& message) {
  const std::vector<std::byte> frame = encode_frame(message);
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t written = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "send to the worker socket");
    }
    sent += static_cast<std::size_t>(written);
  }
}

std::optional<WorkerMessage> receive_message(int fd, FrameDecoder& decoder) {
  std::array<std::byte, 64 * 1024> buffer;
  while (true) {
    if (auto message = decoder.next()) return message;
    const ssize_t received = ::read(fd, buffer.data(), buffer.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read from the worker socket");
    }
    if (received == 0) {
      if (!decoder.empty()) throw ProtocolError("worker socket closed in the middle of a frame");
      return std::nullopt;
    }
    decoder.feed(buffer.data(), static_cast<std::size_t>(received));
  }
}

}  // namespace ck::daemon
