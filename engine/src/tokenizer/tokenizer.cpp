#include "ckernel/engine/tokenizer.h"

#include <array>
#include <stdexcept>

#include "ckernel/engine/gguf.h"
#include "tokenizer/bpe.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/spm.h"
#include "tokenizer/vocab.h"

namespace ck {
namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos);
  s.swap(out);
}

// The byte of a byte token "<0xXX>" (strtol of the two characters after "<0x", as llama.cpp reads it).
char byte_of_byte_token(std::string_view text) {
  int value = 0;
  for (size_t i = 3; i < text.size() && i < 5; ++i) {
    const char c = text[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      break;
    }
    value = value * 16 + digit;
  }
  return static_cast<char>(value);
}

}  // namespace

class Tokenizer::Impl {
 public:
  explicit Impl(tok::Vocab v) : vocab(std::move(v)), specials(vocab) {
    if (vocab.type == tok::VocabType::bpe) {
      pre.emplace(vocab.pre_kind);
    } else {
      byte_tokens = tok::spm_byte_tokens(vocab);
    }
  }

  void check(TokenId id) const {
    if (id < 0 || id >= vocab.size()) {
      throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary of " +
                              std::to_string(vocab.size()) + " tokens");
    }
  }

  tok::Vocab vocab;
  tok::SpecialTokenSplitter specials;                   // refers to `vocab`
  std::optional<tok::PreTokenizer> pre;                 // gpt2 vocabularies
  std::array<std::optional<TokenId>, 256> byte_tokens;  // llama vocabularies
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_gguf(const GgufFile& file) {
  return Tokenizer(std::make_unique<Impl>(tok::load_vocab(file)));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  const tok::Vocab& v = impl_->vocab;
  const std::vector<tok::Fragment> fragments = impl_->specials.split(text, parse_special);
  std::vector<TokenId> out;
  if (add_special && v.add_bos) out.push_back(*v.bos);
  if (v.type == tok::VocabType::spm) {
    bool after_special = true;  // the first text gets the space prefix too
    for (const tok::Fragment& f : fragments) {
      if (f.is_token) {
        out.push_back(f.token);
        after_special = true;
        continue;
      }
      std::string piece = v.add_space_prefix && after_special ? " " : "";
      piece.append(text.substr(f.offset, f.length));
      replace_all(piece, " ", kEscapedSpace);
      tok::spm_tokenize(v, impl_->byte_tokens, piece, out);
      after_special = false;
    }
  } else {
    for (const tok::Fragment& f : fragments) {
      if (f.is_token) {
        out.push_back(f.token);
      } else {
        tok::bpe_tokenize(v, impl_->pre->split(text.substr(f.offset, f.length)), out);
      }
    }
  }
  if (add_special && v.add_eos) out.push_back(*v.eos);
  return out;
}

std::string Tokenizer::piece(TokenId id, bool render_special) const {
  impl_->check(id);
  const tok::Vocab& v = impl_->vocab;
  const uint32_t attr = v.attr[id];
  const std::string& text = v.text[id];
  if (attr & (tok::kAttrUnknown | tok::kAttrControl)) return render_special ? text : std::string();
  if (attr & tok::kAttrUserDefined) return text;
  if (attr & tok::kAttrNormal) {
    if (v.type == tok::VocabType::bpe) return tok::byte_level_decode(text);
    std::string s = text;
    replace_all(s, kEscapedSpace, " ");
    return s;
  }
  // Byte tokens ("<0xXX>") of SentencePiece vocabularies; llama.cpp (at this commit) renders those of BPE
  // vocabularies as nothing, like unused and undefined tokens.
  if ((attr & tok::kAttrByte) && v.type == tok::VocabType::spm)
    return std::string(1, byte_of_byte_token(text));
  return {};
}

std::string Tokenizer::decode(std::span<const TokenId> ids) const {
  const tok::Vocab& v = impl_->vocab;
  std::string out;
  // For SentencePiece, encode() put a space before the text at the start and after every special token.
  const bool strip_prefix = v.type == tok::VocabType::spm && v.add_space_prefix;
  bool after_special = true;
  for (const TokenId id : ids) {
    std::string p = piece(id);
    if (v.attr[id] & (tok::kAttrControl | tok::kAttrUserDefined | tok::kAttrUnknown)) {
      after_special = true;
    } else {
      if (after_special && strip_prefix && !p.empty() && p[0] == ' ') p.erase(0, 1);
      after_special = false;
    }
    out += p;
  }
  return out;
}

int32_t Tokenizer::n_vocab() const { return impl_->vocab.size(); }

std::string_view Tokenizer::token_text(TokenId id) const {
  impl_->check(id);
  return impl_->vocab.text[id];
}

TokenKind Tokenizer::kind(TokenId id) const {
  impl_->check(id);
  const uint32_t attr = impl_->vocab.attr[id];
  if (attr & tok::kAttrControl) return TokenKind::control;
  if (attr & tok::kAttrUserDefined) return TokenKind::user_defined;
  if (attr & tok::kAttrUnknown) return TokenKind::unknown;
  if (attr & tok::kAttrByte) return TokenKind::byte;
  if (attr & tok::kAttrNormal) return TokenKind::normal;
  return TokenKind::unused;  // unused, or token type 0 (undefined): both render as nothing
}

std::optional<TokenId> Tokenizer::bos() const { return impl_->vocab.bos; }
std::optional<TokenId> Tokenizer::eos() const { return impl_->vocab.eos; }
bool Tokenizer::adds_bos() const { return impl_->vocab.add_bos; }

bool Tokenizer::is_end_of_generation(TokenId id) const {
  return id >= 0 && id < impl_->vocab.size() && impl_->vocab.is_eog[id];
}

std::string_view Tokenizer::model() const { return impl_->vocab.model; }
std::string_view Tokenizer::pre_tokenizer() const { return impl_->vocab.pre; }

}  // namespace ck
