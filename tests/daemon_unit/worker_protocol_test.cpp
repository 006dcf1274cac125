#include "worker_protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "worker_channel.h"

namespace ck::daemon {
namespace {

std::vector<WorkerMessage> every_kind() {
  return {GenerateRequest{"Once upon a time", 64, 0.0, 42, 40, 0.95},
          WorkerReady{8616960, 4096},
          LoadFailed{"model.gguf: bad magic: not a GGUF file (at offset 0)"},
          Piece{std::string("\xe2\x96\x81time\0x", 9)},
          GenerateDone{"text", 5, 16, 0.03, 0.08, "length"},
          GenerateFailed{"the context is full"},
          GenerateDone{"partial", 5, 3, 0.03, 0.01, "cancelled"},
          Cancel{},
          Heartbeat{}};
}

TEST(WorkerProtocol, EveryMessageSurvivesEncodeAndDecode) {
  for (const WorkerMessage& message : every_kind()) {
    FrameDecoder decoder;
    const std::vector<std::byte> frame = encode_frame(message);
    decoder.feed(frame.data(), frame.size());
    const auto decoded = decoder.next();
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, message) << "kind " << message.index();
    EXPECT_FALSE(decoder.next());
    EXPECT_TRUE(decoder.empty());
  }
}

TEST(WorkerProtocol, FramesArrivingByteByByteDecodeOnceComplete) {
  std::vector<std::byte> stream;
  for (const WorkerMessage& message : every_kind()) {
    const auto frame = encode_frame(message);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  FrameDecoder decoder;
  std::vector<WorkerMessage> decoded;
  for (const std::byte byte : stream) {
    decoder.feed(&byte, 1);
    while (auto message = decoder.next()) decoded.push_back(*message);
  }
  EXPECT_EQ(decoded, every_kind());
}

TEST(WorkerProtocol, RefusesOversizedUnknownAndInconsistentFrames) {
  const auto refuses = [](std::vector<std::byte> frame) {
    FrameDecoder decoder;
    decoder.feed(frame.data(), frame.size());
    EXPECT_THROW(decoder.next(), ProtocolError);
  };
  refuses({std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0x7f}});    // 2 GiB
  refuses({std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{9}});  // kind 9
  refuses(
      {std::byte{2}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{3}, std::byte{1}});  // short string
  std::vector<std::byte> trailing = encode_frame(Piece{"x"});
  trailing[0] = std::byte(std::to_integer<int>(trailing[0]) + 1);
  trailing.push_back(std::byte{0});
  refuses(trailing);
}

TEST(WorkerProtocol, ChannelCarriesMessagesOverASocketpairAndReportsTheEnd) {
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), 0);
  // Larger than a socket buffer, so the sender and receiver have to take turns.
  const Piece big{std::string(1 << 20, 'p')};
  std::thread sender([&] {
    for (const WorkerMessage& message : every_kind()) send_message(sockets[0], message);
    send_message(sockets[0], big);
    ::close(sockets[0]);
  });
  FrameDecoder decoder;
  for (const WorkerMessage& expected : every_kind())
    EXPECT_EQ(receive_message(sockets[1], decoder), expected);
  EXPECT_EQ(receive_message(sockets[1], decoder), WorkerMessage(big));
  EXPECT_EQ(receive_message(sockets[1], decoder), std::nullopt);
  sender.join();
  ::close(sockets[1]);
}

}  // namespace
}  // namespace ck::daemon
