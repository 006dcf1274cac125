// Pre-tokenizers of byte-level BPE vocabularies: the text is cut into words by a sequence of regexes, each
// applied to the pieces the previous ones left (matches and the gaps between them both become pieces), the
// way llama.cpp's unicode_regex_split does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace ck::tok {

enum class PreTokenizerKind { llama_default, gpt2, llama3, qwen2, falcon, deepseek_llm };

class PreTokenizer {
 public:
  explicit PreTokenizer(PreTokenizerKind kind);

  // The words of `text` as UTF-8. Malformed UTF-8 reads as U+FFFD, as in llama.cpp.
  std::vector<std::string> split_utf8(std::string_view text) const;
  // The same words with every byte replaced by its byte-level symbol (byte_level.h), ready for BPE.
  std::vector<std::string> split(std::string_view text) const;

  PreTokenizerKind kind() const { return kind_; }

 private:
  PreTokenizerKind kind_;
  std::vector<Regex> regexes_;
};

}  // namespace ck::tok
