#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <variant>

#include "ckernel/engine/gguf.h"
#include "ckernel/kernels/llama_cpp_compat.h"

namespace ck::tok {
namespace {

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kPreKey = "tokenizer.ggml.pre";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";
constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

struct PreTokenizerName {
  std::string_view name;
  PreTokenizerKind kind;
  bool ignore_merges;
  bool add_bos;
};

// tokenizer.ggml.pre values this build knows, with the flags llama.cpp sets for them.
constexpr PreTokenizerName kPreTokenizers[] = {
    {"default", PreTokenizerKind::llama_default, false, false},
    {"gpt-2", PreTokenizerKind::gpt2, false, false},
    {"phi-2", PreTokenizerKind::gpt2, false, false},
    {"mpt", PreTokenizerKind::gpt2, false, false},
    {"olmo", PreTokenizerKind::gpt2, false, false},
    {"llama3", PreTokenizerKind::llama3, true, true},
    {"llama-v3", PreTokenizerKind::llama3, true, true},
    {"llama-bpe", PreTokenizerKind::llama3, true, true},
    {"falcon3", PreTokenizerKind::llama3, true, true},
    {"dbrx", PreTokenizerKind::llama3, false, false},
    {"smaug-bpe", PreTokenizerKind::llama3, false, false},
    {"qwen2", PreTokenizerKind::qwen2, false, false},
    {"deepseek-r1-qwen", PreTokenizerKind::qwen2, false, false},
    {"stablelm2", PreTokenizerKind::qwen2, false, false},
    {"falcon", PreTokenizerKind::falcon, false, false},
    {"deepseek-llm", PreTokenizerKind::deepseek_llm, false, false},
};

uint32_t attr_of_token_type(int64_t type) {
  switch (type) {
    case 1:
      return kAttrNormal;
    case 2:
      return kAttrUnknown;
    case 3:
      return kAttrControl;
    case 4:
      return kAttrUserDefined;
    case 5:
      return kAttrUnused;
    case 6:
      return kAttrByte;
    default:
      return kAttrUndefined;  // 0
  }
}

std::vector<float> read_scores(const GgufFile& file) {
  const GgufArray* a = file.get_array(kScoresKey);
  std::vector<float> out;
  if (!a) return out;
  out.reserve(a->items.size());
  for (const GgufValue& v : a->items) {
    if (const auto* d = std::get_if<double>(&v.data)) {
      out.push_back(static_cast<float>(*d));
    } else if (const auto* i = std::get_if<int64_t>(&v.data)) {
      out.push_back(static_cast<float>(*i));
    } else if (const auto* u = std::get_if<uint64_t>(&v.data)) {
      out.push_back(static_cast<float>(*u));
    } else {
      file.fail(std::string(kScoresKey) + " must be an array of numbers, holds " +
                std::string(value_type_name(a->element_type)));
    }
  }
  return out;
}

// Reads a token id key into `id`: absent keeps the default (dropped when outside the vocabulary, as
// llama.cpp does); present but outside the vocabulary is an error.
void read_token_id(const GgufFile& file, std::string_view key, TokenId n_tokens, std::optional<TokenId>& id) {
  if (id && *id >= n_tokens) id.reset();
  const std::optional<uint64_t> v = file.get_uint(key);
  if (!v) return;
  if (*v >= static_cast<uint64_t>(n_tokens)) {
    file.fail(std::string(key) + " = " + std::to_string(*v) + " is outside the vocabulary of " +
              std::to_string(n_tokens) + " tokens");
  }
  id = static_cast<TokenId>(*v);
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// DeepSeek's special tokens: "<｜" + words joined by "▁" + "｜>" (U+FF5C, U+2581).
std::string deepseek_token(std::initializer_list<std::string_view> words) {
  std::string out = "<\xEF\xBD\x9C";
  for (std::string_view w : words) {
    if (out.size() > 4) out += "\xE2\x96\x81";
    out += w;
  }
  return out + "\xEF\xBD\x9C>";
}

// What llama.cpp finds by token text when the file does not say: end-of-turn, end-of-message and
// fill-in-the-middle tokens, all of which it makes control tokens, and the end-of-generation set.
void detect_special_tokens_by_text(Vocab& v) {
  struct Rule {
    std::optional<TokenId>* id;
    std::vector<std::string> texts;
  };
  const std::vector<Rule> rules = {
      {&v.eot,
       {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
        deepseek_token({"end", "of", "sentence"})}},
      {&v.eom, {"<|eom_id|>"}},
      {&v.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", deepseek_token({"fim", "begin"}), "<PRE>"}},
      {&v.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", deepseek_token({"fim", "hole"}), "<SUF>"}},
      {&v.fim_mid, {"<|fim_middle|>", "<fim-middle>", deepseek_token({"fim", "end"}), "<MID>"}},
      {&v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<PAD>"}},
      {&v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>"}},
      {&v.fim_sep, {"<|file_sep|>", "<fim-sep>"}},
  };
  for (const Rule& rule : rules) {
    if (rule.id->has_value()) continue;
    for (TokenId id = 0; id < v.size() && !rule.id->has_value(); ++id) {
      if (std::find(rule.texts.begin(), rule.texts.end(), v.text[id]) == rule.texts.end()) continue;
      *rule.id = id;
      v.attr[id] |= kAttrControl;
    }
  }

  static constexpr std::string_view kEogTexts[] = {"<|eot_id|>",    "<|im_end|>", "<|end|>", "<end_of_turn>",
                                                   "<|endoftext|>", "<|eom_id|>", "<EOT>",   "_<EOT>"};
  v.is_eog.assign(v.text.size(), false);
  for (const auto& id : {v.fim_pad, v.fim_rep, v.fim_sep, v.eos, v.eot, v.eom}) {
    if (id) v.is_eog[*id] = true;
  }
  for (std::string_view t : kEogTexts) {
    if (const auto id = v.find(t)) {
      v.is_eog[*id] = true;
      v.attr[*id] |= kAttrControl;
    }
  }
}

}  // namespace

std::string merge_key(std::string_view left, std::string_view right) {
  // Length-prefixed so that no two pairs share a key.
  std::string key = std::to_string(left.size());
  key.push_back(':');
  key.append(left);
  key.append(right);
  return key;
}

std::optional<TokenId> Vocab::find(std::string_view s) const {
  const auto it = id_of.find(s);
  if (it == id_of.end()) return std::nullopt;
  return it->second;
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  const auto it = merges.find(merge_key(left, right));
  return it == merges.end() ? -1 : it->second;
}

Vocab load_vocab(const GgufFile& file) {
  Vocab v;
  v.model = std::string(file.require_string(kModelKey));
  if (v.model == "llama") {
    v.type = VocabType::spm;
  } else if (v.model == "gpt2") {
    v.type = VocabType::bpe;
  } else {
    file.fail(std::string(kModelKey) + " '" + v.model +
              "' is not a tokenizer model this build knows (llama, gpt2)");
  }
  v.pre = std::string(file.get_string(kPreKey).value_or("default"));
  if (v.pre.empty()) v.pre = "default";

  // Defaults per tokenizer model (llama_vocab::impl::load).
  const kernels::llama_cpp::DefaultSpecialTokens& defaults =
      v.type == VocabType::spm ? kernels::llama_cpp::kSpmDefaultSpecialTokens
                               : kernels::llama_cpp::kBpeDefaultSpecialTokens;
  v.bos = defaults.bos;
  v.eos = defaults.eos;
  v.unk = defaults.unk;
  if (v.type == VocabType::spm) {
    v.add_space_prefix = true;
    v.add_bos = true;
  } else {
    const auto* known = std::find_if(std::begin(kPreTokenizers), std::end(kPreTokenizers),
                                     [&](const PreTokenizerName& p) { return p.name == v.pre; });
    if (known == std::end(kPreTokenizers))
      file.fail(std::string(kPreKey) + " '" + v.pre + "' is not a pre-tokenizer this build knows");
    v.pre_kind = known->kind;
    v.ignore_merges = known->ignore_merges;
    v.add_bos = known->add_bos;
  }
  if (auto b = file.get_bool("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;

  // Tokens, scores, types.
  if (!file.find(kTokensKey)) file.fail("missing required metadata key '" + std::string(kTokensKey) + "'");
  const std::vector<std::string_view> tokens = file.get_string_array(kTokensKey);
  if (tokens.empty()) file.fail(std::string(kTokensKey) + " is empty");
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<TokenId>::max()))
    file.fail(std::string(kTokensKey) + " has " + std::to_string(tokens.size()) + " tokens, too many");
  const size_t n = tokens.size();

  const std::vector<float> scores = read_scores(file);
  if (file.find(kScoresKey) && scores.size() != n) {
    file.fail(std::string(kScoresKey) + " has " + std::to_string(scores.size()) + " entries but " +
              std::string(kTokensKey) + " has " + std::to_string(n));
  }
  const std::vector<int64_t> types = file.get_int_array(kTypesKey);
  if (file.find(kTypesKey) && types.size() != n) {
    file.fail(std::string(kTypesKey) + " has " + std::to_string(types.size()) + " entries but " +
              std::string(kTokensKey) + " has " + std::to_string(n));
  }

  v.text.resize(n);
  v.score.assign(n, 0.0f);
  v.attr.assign(n, kAttrNormal);
  for (size_t i = 0; i < n; ++i) {
    v.text[i] = tokens[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : std::string(tokens[i]);
    if (!scores.empty()) v.score[i] = scores[i];
    if (!types.empty()) {
      if (types[i] < 0 || types[i] > 6) {
        file.fail(std::string(kTypesKey) + "[" + std::to_string(i) + "] = " + std::to_string(types[i]) +
                  " is not a token type (0 to 6)");
      }
      v.attr[i] = attr_of_token_type(types[i]);
    }
    v.max_token_len = std::max(v.max_token_len, v.text[i].size());
  }
  v.id_of.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto [it, inserted] = v.id_of.emplace(v.text[i], static_cast<TokenId>(i));
    if (!inserted) {
      file.fail(std::string(kTokensKey) + " holds '" + v.text[i] + "' twice, at " +
                std::to_string(it->second) + " and " + std::to_string(i));
    }
  }

  if (v.type == VocabType::bpe) {
    if (!file.find(kMergesKey)) file.fail("missing required metadata key '" + std::string(kMergesKey) + "'");
    const std::vector<std::string_view> merges = file.get_string_array(kMergesKey);
    v.merges.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
      const std::string_view m = merges[i];
      const size_t space = m.find(' ', 1);
      std::string_view first;
      std::string_view second;
      if (space != std::string_view::npos) {
        first = m.substr(0, space);
        second = m.substr(space + 1);
      }
      v.merges.emplace(merge_key(first, second), static_cast<int32_t>(i));  // the first occurrence wins
    }
  }

  // Special token ids; the deprecated fill-in-the-middle keys are read last, as llama.cpp does.
  const TokenId n_tokens = v.size();
  const std::pair<std::string_view, std::optional<TokenId>*> id_keys[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos},         {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},         {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},     {"tokenizer.ggml.seperator_token_id", &v.sep},
      {"tokenizer.ggml.padding_token_id", &v.pad},     {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre}, {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid}, {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep}, {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &v.fim_pre},  {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
      {"tokenizer.ggml.middle_token_id", &v.fim_mid},
  };
  for (const auto& [key, id] : id_keys) read_token_id(file, key, n_tokens, *id);

  if (auto b = file.get_bool("tokenizer.ggml.add_bos_token")) v.add_bos = *b;
  if (auto b = file.get_bool("tokenizer.ggml.add_eos_token")) v.add_eos = *b;
  if (v.add_bos && !v.bos)
    file.fail("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
  if (v.add_eos && !v.eos)
    file.fail("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");

  detect_special_tokens_by_text(v);

  for (TokenId id = 0; id < n_tokens; ++id) {
    if (v.attr[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special_tokens.push_back(id);
  }
  std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(),
                   [&](TokenId a, TokenId b) { return v.text[a].size() > v.text[b].size(); });

  // Per-model token attributes llama.cpp sets by name.
  const std::string name = lower_ascii(file.get_string("general.name").value_or(""));
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (TokenId id : v.special_tokens) v.attr[id] |= kAttrRstrip;
    if (auto id = v.find("</s>")) v.attr[*id] |= kAttrRstrip;
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) {
      if (auto id = v.find(t)) v.attr[*id] &= ~kAttrRstrip;
    }
  }
  return v;
}

}  // namespace ck::tok
