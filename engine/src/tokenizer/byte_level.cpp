#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/unicode.h"

namespace ck::tok {
namespace {

bool stands_for_itself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
  std::array<std::string, 256> utf8_of_byte;
  std::array<int16_t, 0x144> byte_of_cp{};  // -1 for code points that stand for no byte

  Alphabet() {
    byte_of_cp.fill(-1);
    uint32_t next_extra = 0x100;
    for (int b = 0; b < 256; ++b) {
      const uint32_t cp = stands_for_itself(b) ? static_cast<uint32_t>(b) : next_extra++;
      byte_of_cp[cp] = static_cast<int16_t>(b);
      append_utf8(utf8_of_byte[b], cp);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

std::string_view byte_to_symbol(uint8_t b) { return alphabet().utf8_of_byte[b]; }

std::optional<uint8_t> symbol_to_byte(uint32_t cp) {
  const Alphabet& a = alphabet();
  if (cp >= a.byte_of_cp.size() || a.byte_of_cp[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(a.byte_of_cp[cp]);
}

std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += byte_to_symbol(static_cast<uint8_t>(c));
  return out;
}

std::string byte_level_decode(std::string_view token_text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t offset = 0;
  while (offset < token_text.size()) {
    const uint32_t cp = decode_utf8(token_text, &offset);
    if (const auto b = symbol_to_byte(cp)) {
      out.push_back(static_cast<char>(*b));
      continue;
    }
    std::string utf8;
    append_utf8(utf8, cp);
    out += "[UNK_BYTE_0x";
    for (char c : utf8) {
      out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
      out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
    }
    out += token_text;
    out += "]";
  }
  return out;
}

}  // namespace ck::tok
