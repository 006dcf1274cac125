#include "tokenizer/pre_tokenizer.h"

#include <span>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/unicode.h"

namespace ck::tok {
namespace {

// The regexes llama.cpp (llm_tokenizer_bpe) applies for each pre-tokenizer type.
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";

constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// DeepSeek LLM's letters: cased letters (Lu, Ll, Lt) of an older Unicode version, as its tokenizer.json
// lists.
constexpr const char* kDeepseekLetters =
    R"(\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF)"
    R"(\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5)"
    R"(\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA)"
    R"(\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45)"
    R"(\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE)"
    R"(\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC)"
    R"(\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139)"
    R"(\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3)"
    R"(\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06)"
    R"(\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB})"
    R"(\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}]+)";
constexpr const char* kDeepseekPunctuation =
    R"(\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+)";
constexpr const char* kDeepseekCjk = R"([\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+)";

std::vector<const char*> patterns_of(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::gpt2:
      return {kGpt2};
    case PreTokenizerKind::llama3:
      return {kLlama3};
    case PreTokenizerKind::qwen2:
      return {kQwen2};
    case PreTokenizerKind::falcon:
      return {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, R"([0-9][0-9][0-9])"};
    case PreTokenizerKind::deepseek_llm:
      return {R"([\r\n])", kDeepseekLetters, kDeepseekPunctuation, R"(\s+$)", kDeepseekCjk, R"(\p{N}+)"};
    case PreTokenizerKind::llama_default:
      break;
  }
  return {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", R"([0-9][0-9][0-9])"};
}

}  // namespace

PreTokenizer::PreTokenizer(PreTokenizerKind kind) : kind_(kind) {
  for (const char* p : patterns_of(kind)) regexes_.emplace_back(p);
}

std::vector<std::string> PreTokenizer::split_utf8(std::string_view text) const {
  const std::vector<uint32_t> cps = decode_utf8(text);
  // The regexes see non-ASCII white space as llama.cpp's do (llama_cpp::kNonAsciiWhiteSpaceStandIn).
  std::vector<uint32_t> probe(cps);
  for (uint32_t& c : probe) {
    if (c >= 0x80 && is_white_space(c)) c = kernels::llama_cpp::kNonAsciiWhiteSpaceStandIn;
  }

  std::vector<size_t> pieces = {cps.size()};  // lengths in code points
  for (const Regex& re : regexes_) {
    std::vector<size_t> next;
    next.reserve(pieces.size());
    size_t start = 0;
    for (size_t len : pieces) {
      size_t done = 0;
      for (const auto& [b, e] : re.find_all(std::span<const uint32_t>(probe).subspan(start, len))) {
        if (b > done) next.push_back(b - done);
        next.push_back(e - b);
        done = e;
      }
      if (done < len) next.push_back(len - done);
      start += len;
    }
    pieces = std::move(next);
  }

  std::vector<std::string> words;
  words.reserve(pieces.size());
  size_t start = 0;
  for (size_t len : pieces) {
    std::string word;
    for (size_t i = start; i < start + len; ++i) append_utf8(word, cps[i]);
    words.push_back(std::move(word));
    start += len;
  }
  return words;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string> words = split_utf8(text);
  for (std::string& w : words) w = byte_level_encode(w);
  return words;
}

}  // namespace ck::tok
