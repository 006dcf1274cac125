// GPT-2's byte-level alphabet: every byte stands for one printable code point (printable Latin-1 bytes for
// themselves, the other 68 bytes for U+0100..U+0143 in byte order), so that byte-level BPE vocabularies hold
// only printable text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ck::tok {

// The UTF-8 form of the code point that stands for byte b.
std::string_view byte_to_symbol(uint8_t b);
// The byte a code point stands for, if it is one of the 256.
std::optional<uint8_t> symbol_to_byte(uint32_t cp);

// Each byte of `bytes` replaced by its symbol.
std::string byte_level_encode(std::string_view bytes);

// The bytes a byte-level token text stands for, as llama.cpp's llama_decode_text computes them: a code point
// outside the alphabet becomes "[UNK_BYTE_0x<its UTF-8 in hex><the whole token text>]".
std::string byte_level_decode(std::string_view token_text);

}  // namespace ck::tok
