// What ckd and a model's worker say over their socketpair. Each message is one frame: a 4-byte
// little-endian length, then a kind byte and the fields (integers little-endian, doubles as their bits,
// strings as a 4-byte length and the bytes). ckd sends one GenerateRequest at a time; the worker answers
// with Pieces and then GenerateDone or GenerateFailed. After start-up it sends WorkerReady or LoadFailed.
// ckd may send Cancel while a request runs: the worker stops between tokens and answers GenerateDone with
// stop "cancelled" (a Cancel that finds no request running is ignored). From its first instruction on, the
// worker sends a Heartbeat every kHeartbeatInterval from a thread of its own, so that a long prompt or a
// slow token is never mistaken for a hang; ckd restarts a worker it has heard nothing from for
// kWorkerSilenceLimit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "ckernel/api/generate_defaults.h"

namespace ck::daemon {

struct GenerateRequest {
  // Longer prompts are refused before they reach a worker: a worker ends on a frame over
  // FrameDecoder::kMaxFrameBytes (and ckd restarts it), and 16 MiB is millions of tokens, past any context.
  static constexpr std::size_t kMaxPromptBytes = 16u << 20;

  std::string prompt;
  std::uint32_t max_tokens = api::kDefaultMaxTokens;
  double temperature = api::kDefaultTemperature;
  std::uint64_t seed = 0;
  std::int32_t top_k = api::kDefaultTopK;
  double top_p = api::kDefaultTopP;
  friend bool operator==(const GenerateRequest&, const GenerateRequest&) = default;
};

struct WorkerReady {
  std::uint64_t weight_bytes = 0;
  std::uint32_t context = 0;  // positions the session holds
  friend bool operator==(const WorkerReady&, const WorkerReady&) = default;
};

struct LoadFailed {
  std::string message;  // the engine's GgufError text
  friend bool operator==(const LoadFailed&, const LoadFailed&) = default;
};

struct Piece {
  std::string text;
  friend bool operator==(const Piece&, const Piece&) = default;
};

inline constexpr std::chrono::milliseconds kHeartbeatInterval{500};
// Thirty missed beats. Four seconds proved too short: in the VM test, an emulated guest on a busy host
// stalled a loading worker's beat thread that long, and the load was failed as hung. A worker that is
// really stopped is still replaced within a quarter of a minute.
inline constexpr std::chrono::milliseconds kWorkerSilenceLimit{15000};

struct GenerateDone {
  std::string text;
  std::uint32_t prompt_tokens = 0;
  std::uint32_t generated_tokens = 0;
  double prompt_seconds = 0;
  double generate_seconds = 0;
  std::string stop;  // "length", "eos", "context", "cancelled"
  friend bool operator==(const GenerateDone&, const GenerateDone&) = default;
};

struct GenerateFailed {
  std::string message;
  friend bool operator==(const GenerateFailed&, const GenerateFailed&) = default;
};

// ckd -> worker: stop the running request.
struct Cancel {
  friend bool operator==(const Cancel&, const Cancel&) = default;
};

// worker -> ckd: still alive.
struct Heartbeat {
  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// The index of each alternative is its kind byte on the wire: new kinds go at the end.
using WorkerMessage = std::variant<GenerateRequest, WorkerReady, LoadFailed, Piece, GenerateDone,
                                   GenerateFailed, Cancel, Heartbeat>;

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One whole frame, length prefix included.
std::vector<std::byte> encode_frame(const WorkerMessage& message);

// Collects bytes as they arrive and hands out whole messages.
class FrameDecoder {
 public:
  static constexpr std::size_t kMaxFrameBytes = 64u << 20;
  static_assert(GenerateRequest::kMaxPromptBytes < kMaxFrameBytes / 2);

  void feed(const std::byte* data, std::size_t size);
  // The next complete message, if one has arrived. Throws ProtocolError on an oversized frame, an unknown
  // kind or a frame whose fields do not add up.
  std::optional<WorkerMessage> next();
  bool empty() const noexcept { return buffer_.empty(); }

 private:
  std::vector<std::byte> buffer_;
};

}  // namespace ck::daemon
