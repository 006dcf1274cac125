// Blocking frame I/O on a worker socket, for the worker's side and for tests; ckd's event loop reads
// without blocking through FrameDecoder directly.
#pragma once

#include <optional>

#include "worker_protocol.h"

namespace ck::daemon {

// Writes one whole frame; throws std::system_error when the peer is gone.
void send_message(int fd, const WorkerMessage& message);

// The next message; nullopt when the peer closed the socket between frames. Throws ProtocolError on a
// malformed frame or a socket closed in the middle of one, std::system_error on a read error.
std::optional<WorkerMessage> receive_message(int fd, FrameDecoder& decoder);

}  // namespace ck::daemon
