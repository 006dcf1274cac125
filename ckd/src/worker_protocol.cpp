#include "worker_protocol.h"

#include <bit>
#include <cstring>

#include "ckernel/engine/generate.h"
#include "ckernel/engine/sampler.h"

namespace ck::daemon {

// The API's defaults are the engine's: the single definition of each is the engine's, and this ties the
// header-only copy that ckctl can read to it.
static_assert(api::kDefaultMaxTokens == static_cast<std::uint32_t>(GenerationOptions{}.n_predict));
static_assert(static_cast<float>(api::kDefaultTemperature) == SamplingParams{}.temperature);
static_assert(api::kDefaultTopK == SamplingParams{}.top_k);
static_assert(static_cast<float>(api::kDefaultTopP) == SamplingParams{}.top_p);
namespace {

class Writer {
 public:
  void u8(std::uint8_t value) { bytes_.push_back(std::byte{value}); }
  void u32(std::uint32_t value) { little_endian(value, 4); }
  void u64(std::uint64_t value) { little_endian(value, 8); }
  void f64(double value) { u64(std::bit_cast<std::uint64_t>(value)); }
  void str(const std::string& value) {
    u32(static_cast<std::uint32_t>(value.size()));
    const auto* data = reinterpret_cast<const std::byte*>(value.data());
    bytes_.insert(bytes_.end(), data, data + value.size());
  }
  std::vector<std::byte> frame() {
    Writer framed;
    framed.u32(static_cast<std::uint32_t>(bytes_.size()));
    framed.bytes_.insert(framed.bytes_.end(), bytes_.begin(), bytes_.end());
    return std::move(framed.bytes_);
  }

 private:
  void little_endian(std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i) bytes_.push_back(std::byte(static_cast<std::uint8_t>(value >> (8 * i))));
  }
  std::vector<std::byte> bytes_;
};

class Reader {
 public:
  Reader(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(little_endian(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(4)); }
  std::uint64_t u64() { return little_endian(8); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::string str() {
    const std::uint32_t length = u32();
    need(length);
    std::string value(reinterpret_cast<const char*>(data_ + position_), length);
    position_ += length;
    return value;
  }
  void finish() const {
    if (position_ != size_)
      throw ProtocolError("worker frame has " + std::to_string(size_ - position_) + " extra bytes");
  }

 private:
  void need(std::size_t bytes) const {
    if (size_ - position_ < bytes) throw ProtocolError("worker frame ends in the middle of a field");
  }
  std::uint64_t little_endian(int size) {
    need(static_cast<std::size_t>(size));
    std::uint64_t value = 0;
    for (int i = 0; i < size; ++i)
      value |= std::uint64_t(std::to_integer<std::uint8_t>(data_[position_ + i])) << (8 * i);
    position_ += static_cast<std::size_t>(size);
    return value;
  }
  const std::byte* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
// Debian 12's clang 14 (the fuzz build) deduces no aggregate's template arguments without it.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

WorkerMessage decode_payload(Reader& in) {
  const std::uint8_t kind = in.u8();
  switch (kind) {
    case 0: {
      GenerateRequest m;
      m.prompt = in.str();
      m.max_tokens = in.u32();
      m.temperature = in.f64();
      m.seed = in.u64();
      m.top_k = static_cast<std::int32_t>(in.u32());
      m.top_p = in.f64();
      return m;
    }
    case 1: {
      WorkerReady m;
      m.weight_bytes = in.u64();
      m.context = in.u32();
      return m;
    }
    case 2:
      return LoadFailed{in.str()};
    case 3:
      return Piece{in.str()};
    case 4: {
      GenerateDone m;
      m.text = in.str();
      m.prompt_tokens = in.u32();
      m.generated_tokens = in.u32();
      m.prompt_seconds = in.f64();
      m.generate_seconds = in.f64();
      m.stop = in.str();
      return m;
    }
    case 5:
      return GenerateFailed{in.str()};
    case 6:
      return Cancel{};
    case 7:
      return Heartbeat{};
  }
  throw ProtocolError("unknown worker message kind " + std::to_string(kind));
}

}  // namespace

std::vector<std::byte> encode_frame(const WorkerMessage& message) {
  Writer out;
  out.u8(static_cast<std::uint8_t>(message.index()));
  std::visit(Overloaded{
                 [&](const GenerateRequest& m) {
                   out.str(m.prompt);
                   out.u32(m.max_tokens);
                   out.f64(m.temperature);
                   out.u64(m.seed);
                   out.u32(static_cast<std::uint32_t>(m.top_k));
                   out.f64(m.top_p);
                 },
                 [&](const WorkerReady& m) {
                   out.u64(m.weight_bytes);
                   out.u32(m.context);
                 },
                 [&](const LoadFailed& m) { out.str(m.message); },
                 [&](const Piece& m) { out.str(m.text); },
                 [&](const GenerateDone& m) {
                   out.str(m.text);
                   out.u32(m.prompt_tokens);
                   out.u32(m.generated_tokens);
                   out.f64(m.prompt_seconds);
                   out.f64(m.generate_seconds);
                   out.str(m.stop);
                 },
                 [&](const GenerateFailed& m) { out.str(m.message); },
                 [](const Cancel&) {},
                 [](const Heartbeat&) {},
             },
             message);
  return out.frame();
}

void FrameDecoder::feed(const std::byte* data, std::size_t size) {
  buffer_.insert(buffer_.end(), data, data + size);
}

std::optional<WorkerMessage> FrameDecoder::next() {
  if (buffer_.size() < 4) return std::nullopt;
  Reader header(buffer_.data(), 4);
  const std::uint32_t length = header.u32();
  if (length > kMaxFrameBytes)
    throw ProtocolError("worker frame of " + std::to_string(length) + " bytes is too long");
  if (buffer_.size() < 4 + std::size_t{length}) return std::nullopt;
  Reader payload(buffer_.data() + 4, length);
  WorkerMessage message = decode_payload(payload);
  payload.finish();
  buffer_.erase(buffer_.begin(), buffer_.begin() + 4 + length);
  return message;
}

}  // namespace ck::daemon
