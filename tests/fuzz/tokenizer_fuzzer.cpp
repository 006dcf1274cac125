// libFuzzer target: the tokenizers of two real vocabularies (SentencePiece llama-spm and byte-level BPE
// gpt-2) on arbitrary text. encode() with parse_special off (no BOS/EOS) and on (with them) must give ids
// inside the vocabulary, decode() and piece() must take them, and, as tokenizer.h promises,
// decode(encode(text)) == text for valid UTF-8 with parse_special off (SentencePiece excepted for text
// holding U+2581 "▁", which that model cannot tell from a space, as in llama.cpp). The input read as
// token ids is decoded as well.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/tokenizer.h"

namespace {

void check(bool ok, const char* what, std::string_view text = {}) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzzer: %s (input of %zu bytes)\n", what, text.size());
    std::abort();
  }
}

struct Vocab {
  const char* file;
  bool spm;
  std::unique_ptr<ck::GgufFile> gguf;  // kept open: the tokenizer may refer into it
  std::unique_ptr<ck::Tokenizer> tokenizer;
};

std::vector<Vocab>& vocabs() {
  static std::vector<Vocab> v;
  return v;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // the sequence runs past the end
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

void exercise(const Vocab& v, std::string_view text, bool valid) {
  const ck::Tokenizer& t = *v.tokenizer;
  const int32_t n_vocab = t.n_vocab();
  // parse_special off (with the round trip) without BOS/EOS, and on with them.
  for (const bool parse_special : {false, true}) {
    const bool add_special = parse_special;
    const std::vector<ck::TokenId> ids = t.encode(text, add_special, parse_special);
    for (const ck::TokenId id : ids) {
      check(id >= 0 && id < n_vocab, "encode gave an id outside the vocabulary", text);
      (void)t.piece(id, false);
      (void)t.piece(id, true);
      (void)t.kind(id);
    }
    const std::string back = t.decode(ids);
    if (!parse_special && valid && !(v.spm && text.find("\u2581") != std::string_view::npos))
      check(back == text,
            v.spm ? "llama-spm: decode(encode(text)) != text" : "gpt-2: decode(encode(text)) != text", text);
  }
  // The input as token ids (two bytes each, modulo the vocabulary).
  std::vector<ck::TokenId> ids;
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    const auto lo = static_cast<unsigned char>(text[i]), hi = static_cast<unsigned char>(text[i + 1]);
    ids.push_back(static_cast<ck::TokenId>((lo | (hi << 8)) % n_vocab));
  }
  (void)t.decode(ids);
  for (const ck::TokenId id : ids) (void)t.is_end_of_generation(id);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* env = std::getenv("CK_TEST_DATA_DIR");
  const std::string dir = std::string(env ? env : CK_TEST_DATA_DIR) + "/fixtures/tokenizer/";
  for (const auto& [file, spm] :
       {std::pair{"ggml-vocab-llama-spm.gguf", true}, {"ggml-vocab-gpt-2.gguf", false}}) {
    Vocab v{file, spm, ck::GgufFile::open(dir + file), nullptr};
    v.tokenizer = std::make_unique<ck::Tokenizer>(ck::Tokenizer::from_gguf(*v.gguf));
    vocabs().push_back(std::move(v));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = valid_utf8(text);
  for (const Vocab& v : vocabs()) exercise(v, text, valid);
  return 0;
}
