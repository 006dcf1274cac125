// The regex engine and the pre-tokenizers built on it.
#include "tokenizer/regex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <regex>
#include <stdexcept>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"

namespace ck::tok {
namespace {

std::vector<std::string> matches(const Regex& re, std::string_view text) {
  const std::vector<uint32_t> cps = decode_utf8(text);
  std::vector<std::string> out;
  for (const auto& [b, e] : re.find_all(cps)) {
    std::string s;
    for (size_t i = b; i < e; ++i) append_utf8(s, cps[i]);
    out.push_back(s);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(TokenizerRegex, LeftmostFirstAlternationAndGreedyBacktracking) {
  EXPECT_EQ(matches(Regex("a|ab"), "ab"), Strings{"a"});
  EXPECT_EQ(matches(Regex("ab|a"), "ab"), Strings{"ab"});
  EXPECT_EQ(matches(Regex("a+ab"), "aaab"), Strings{"aaab"});
  EXPECT_EQ(matches(Regex("x*"), "axxb"), Strings{"xx"});  // empty matches are skipped
  EXPECT_EQ(matches(Regex("\\s+(?!\\S)"), "a   b  "), (Strings{"  ", "  "}));
  EXPECT_EQ(matches(Regex("\\s+$"), "a  b  "), Strings{"  "});
  EXPECT_EQ(matches(Regex("\\p{N}{1,3}"), "1234567"), (Strings{"123", "456", "7"}));
  EXPECT_EQ(matches(Regex("a{2}"), "aaaaa"), (Strings{"aa", "aa"}));
  EXPECT_EQ(matches(Regex("a{2,}"), "aaaaa"), Strings{"aaaaa"});
  EXPECT_EQ(matches(Regex("(?:ab)+"), "ababa"), Strings{"abab"});
  EXPECT_EQ(matches(Regex("a(?=b)"), "acab"), Strings{"a"});
  EXPECT_EQ(matches(Regex("^a"), "aa"), Strings{"a"});
  EXPECT_EQ(matches(Regex("."), "\n\xC3\xA9"), Strings{"\xC3\xA9"});
}

TEST(TokenizerRegex, Classes) {
  EXPECT_EQ(matches(Regex("\\p{L}+"), "h\xC3\xA9llo w\xC3\xB6rld 42"),
            (Strings{"h\xC3\xA9llo", "w\xC3\xB6rld"}));
  EXPECT_EQ(matches(Regex("\\p{N}+"), "x\xD9\xA3\xD9\xA4 12\xC2\xBD"),
            (Strings{"\xD9\xA3\xD9\xA4", "12\xC2\xBD"}));
  EXPECT_EQ(matches(Regex("[^\\s\\p{L}\\p{N}]+"), "ab!? 1\xE2\x82\xAC"), (Strings{"!?", "\xE2\x82\xAC"}));
  EXPECT_EQ(matches(Regex("\\P{L}+"), "ab12cd"), Strings{"12"});
  EXPECT_EQ(matches(Regex("[\\p{P}\\$\\+<=>\\^~\\|`]+"), "a$+<=>^~|`!b"), Strings{"$+<=>^~|`!"});
  EXPECT_EQ(matches(Regex("[a-c\\u00E9-\\u00EA\\u{1F600}]+"), "zab\xC3\xA9\xF0\x9F\x98\x80x"),
            Strings{"ab\xC3\xA9\xF0\x9F\x98\x80"});
  EXPECT_EQ(matches(Regex("[-a]+"), "x-a-y"), Strings{"-a-"});
  EXPECT_EQ(matches(Regex("[\\d\\w]+"), "a_1 b"), (Strings{"a_1", "b"}));
  EXPECT_EQ(matches(Regex("\\s"), "\xE3\x80\x80"), Strings{"\xE3\x80\x80"});  // White_Space, not just ASCII
}

TEST(TokenizerRegex, RejectsWhatItDoesNotSupport) {
  for (const char* bad : {"(", "a)", "[a", "a**", "*a", "a{2", "\\p{Nope}", "a*?", "(?<x>a)", "\\b", "\\1",
                          "(a?)*", "[z-a]", "a{3,2}"}) {
    EXPECT_THROW(Regex{bad}, std::invalid_argument) << bad;
  }
}

TEST(TokenizerRegex, LinearTimeOnLongRuns) {
  // Without the visited set each of these would try every start position against the whole run.
  const std::vector<uint32_t> spaces_then_x = [] {
    std::vector<uint32_t> v(100000, ' ');
    v.push_back('x');
    return v;
  }();
  EXPECT_TRUE(Regex("\\s+$").find_all(spaces_then_x).empty());
  EXPECT_EQ(Regex("\\s*[\\r\\n]+|\\s+(?!\\S)").find_all(spaces_then_x).size(), 1u);
  const std::vector<uint32_t> as(100000, 'a');
  EXPECT_TRUE(Regex("(?:a|aa)+b").find_all(as).empty());
}

// llama.cpp runs these patterns with std::regex over a "collapsed" text in which \p{L}, \p{N} and \p{P}
// stand for their ASCII members plus one placeholder byte each. On ASCII text our engine must find exactly
// what std::regex finds with the ASCII classes put in.
std::string ascii_pattern(std::string_view pattern) {
  const std::pair<std::string_view, std::string_view> cats[] = {
      {"\\p{L}", "A-Za-z"}, {"\\p{N}", "0-9"}, {"\\p{P}", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"}};
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size() && pattern[i + 1] != 'p') {
      out += pattern.substr(i, 2);
      ++i;
      continue;
    }
    if (pattern[i] == '[') in_class = true;
    if (pattern[i] == ']') in_class = false;
    bool replaced = false;
    for (const auto& [from, to] : cats) {
      if (pattern.substr(i, from.size()) == from) {
        out += in_class ? std::string(to) : "[" + std::string(to) + "]";
        i += from.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(pattern[i]);
  }
  return out;
}

TEST(TokenizerRegex, AgreesWithStdRegexOnAscii) {
  const char* patterns[] = {
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
      R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      R"([\p{P}\$\+<=>\^~\|`]+)",
      R"([\p{P}\$\+<=>\^~\|]+)",
      R"([0-9][0-9][0-9])",
      R"(\p{N}+)",
      R"(\s+$)",
      R"([\r\n])",
      R"(\s?[!-/:-~]+)",
      R"(\s?[A-Za-z]+)",
  };
  const std::string alphabet = "aAzZsStTdDrReEvVmMlL0179 \t\n\r\v\f'!?.,$+<=>^~|`_-{}()[]@#%&*/:;\"\\";
  std::mt19937 rng(12345);
  for (const char* pattern : patterns) {
    const Regex ours(pattern);
    const std::regex reference(ascii_pattern(pattern));
    for (int iter = 0; iter < 3000; ++iter) {
      std::string text(std::uniform_int_distribution<size_t>(0, 24)(rng), ' ');
      for (char& c : text) c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
      Strings expected;
      for (auto it = std::sregex_iterator(text.begin(), text.end(), reference); it != std::sregex_iterator();
           ++it) {
        expected.push_back(it->str());
      }
      ASSERT_EQ(matches(ours, text), expected) << pattern << " on '" << text << "'";
    }
  }
}

// Random texts over code points of every kind the patterns distinguish.
std::vector<uint32_t> random_text(std::mt19937& rng) {
  static const uint32_t alphabet[] = {
      'a',  'Z',    's',  'S',     't',   'T',    'r',     'R',    'e',    'E',    'v',    'l',
      'L',  'm',    'd',  'D',     '0',   '7',    ' ',     ' ',    '\t',   '\n',   '\r',   '\v',
      '\'', '!',    '?',  ',',     '$',   '+',    '<',     '^',    '|',    '`',    '_',    '-',
      '(',  '}',    '@',  0xE9,    0x416, 0x4F60, 0x663,   0xBD,   0x3001, 0x20AC, 0x2014, 0x3000,
      0xA0, 0x2028, 0x85, 0x1F600, 0x301, 0x1F7D, 0x10400, 0xFF01, 0x2018, 0xAC00, 0x800,  0x1FFFFF};
  std::vector<uint32_t> t(std::uniform_int_distribution<size_t>(0, 20)(rng));
  for (uint32_t& c : t) c = alphabet[std::uniform_int_distribution<size_t>(0, std::size(alphabet) - 1)(rng)];
  return t;
}

std::string utf8(const std::vector<uint32_t>& cps, size_t b, size_t e) {
  std::string s;
  for (size_t i = b; i < e; ++i) append_utf8(s, cps[i]);
  return s;
}

bool letter(uint32_t c) { return in_categories(c, *category_mask_by_name("L")); }
bool number(uint32_t c) { return in_categories(c, *category_mask_by_name("N")); }

// llama.cpp does not run the gpt-2 and llama-3 patterns through std::regex but through hand-written
// matchers (unicode_regex_split_custom_gpt2 / _llama3). These are re-statements of what those do; the
// regex engine must cut every text the same way.
Strings hand_split(const std::vector<uint32_t>& c, bool llama3) {
  const size_t n = c.size();
  const auto L = [&](size_t i) { return i < n && letter(c[i]); };
  const auto N = [&](size_t i) { return i < n && number(c[i]); };
  const auto W = [&](size_t i) { return i < n && is_white_space(c[i]); };
  const auto other = [&](size_t i) { return i < n && !W(i) && !L(i) && !N(i); };
  const auto lower = [&](size_t i) { return llama3 && c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i]; };
  Strings out;
  size_t pos = 0;
  const auto emit = [&](size_t end) {
    out.push_back(utf8(c, pos, end));
    pos = end;
  };
  while (pos < n) {
    if (c[pos] == '\'' && pos + 1 < n) {
      const uint32_t a = lower(pos + 1);
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        emit(pos + 2);
        continue;
      }
      if (pos + 2 < n) {
        const uint32_t b = lower(pos + 2);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
          emit(pos + 3);
          continue;
        }
      }
    }
    if (llama3) {
      if (c[pos] != '\r' && c[pos] != '\n' && !N(pos) && (L(pos) || L(pos + 1))) {
        size_t q = pos + 1;
        while (L(q)) ++q;
        emit(q);
        continue;
      }
      if (N(pos)) {
        size_t q = pos;
        while (N(q) && q - pos < 3) ++q;
        emit(q);
        continue;
      }
    }
    size_t q = pos + (c[pos] == ' ' ? 1 : 0);
    if (!llama3 && (L(q) || N(q))) {
      const bool want_letter = L(q);
      while (want_letter ? L(q) : N(q)) ++q;
      emit(q);
      continue;
    }
    if (other(q)) {
      while (other(q)) ++q;
      while (llama3 && q < n && (c[q] == '\r' || c[q] == '\n')) ++q;
      emit(q);
      continue;
    }
    size_t k = 0;
    size_t last_newline = 0;
    while (W(pos + k)) {
      if (c[pos + k] == '\r' || c[pos + k] == '\n') last_newline = pos + k + 1;
      ++k;
    }
    if (llama3 && last_newline > 0) {
      emit(last_newline);
    } else if (k > 1 && pos + k < n) {
      emit(pos + k - 1);
    } else {
      emit(pos + std::max<size_t>(k, 1));
    }
  }
  return out;
}

TEST(TokenizerPreTokenizer, AgreesWithLlamaCppHandWrittenSplitters) {
  const PreTokenizer gpt2(PreTokenizerKind::gpt2);
  const PreTokenizer llama3(PreTokenizerKind::llama3);
  std::mt19937 rng(7);
  for (int iter = 0; iter < 20000; ++iter) {
    const std::vector<uint32_t> t = random_text(rng);
    const std::string text = utf8(t, 0, t.size());
    // Code points above U+10FFFF are written as U+FFFD, so compare on what the text reads back as.
    const std::vector<uint32_t> read = decode_utf8(text);
    ASSERT_EQ(gpt2.split_utf8(text), hand_split(read, false)) << text;
    ASSERT_EQ(llama3.split_utf8(text), hand_split(read, true)) << text;
  }
}

// The other patterns run in llama.cpp through std::regex: with \p{..} over a "collapsed" byte string (a
// non-ASCII code point becomes 0x0B if white space, else 0xD1/0xD2/0xD3 for N/L/P, else 0xD0, and \p{N},
// \p{L}, \p{P} become their ASCII members plus that byte), without \p{..} through std::wregex over the code
// points with non-ASCII white space made 0x0B. Both are rebuilt here and must agree with our engine.
std::string collapse_pattern(std::string_view pattern) {
  const std::pair<std::string_view, std::string> cats[] = {{"\\p{N}",
                                                            "\xD1"
                                                            "0-9"},
                                                           {"\\p{L}",
                                                            "\xD2"
                                                            "A-Za-z"},
                                                           {"\\p{P}", "\xD3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"}};
  std::string out;
  bool inside = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '[' && (i == 0 || pattern[i - 1] != '\\')) inside = true;
    if (inside && pattern[i] == ']' && pattern[i - 1] != '\\') inside = false;
    bool replaced = false;
    for (const auto& [from, to] : cats) {
      if (pattern.substr(i, from.size()) == from) {
        out += inside ? to : "[" + to + "]";
        i += from.size() - 1;
        replaced = true;
      }
    }
    if (!replaced) out.push_back(pattern[i]);
  }
  return out;
}

std::string collapse_text(const std::vector<uint32_t>& cps) {
  std::string out;
  for (uint32_t c : cps) {
    if (c < 128) {
      out.push_back(static_cast<char>(c));
    } else if (is_white_space(c)) {
      out.push_back('\x0B');
    } else if (number(c)) {
      out.push_back('\xD1');
    } else if (letter(c)) {
      out.push_back('\xD2');
    } else if (in_categories(c, *category_mask_by_name("P"))) {
      out.push_back('\xD3');
    } else {
      out.push_back('\xD0');
    }
  }
  return out;
}

// Our \uHHHH and \u{H..} escapes as the characters themselves, for std::wregex.
std::wstring wide_pattern(std::string_view pattern) {
  std::wstring out;
  const std::vector<uint32_t> cps = decode_utf8(pattern);
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == '\\' && i + 1 < cps.size() && cps[i + 1] == 'u') {
      size_t j = i + 2;
      const bool braces = cps[j] == '{';
      if (braces) ++j;
      uint32_t v = 0;
      for (int digits = 0;
           j < cps.size() && std::isxdigit(static_cast<int>(cps[j])) && (braces || digits < 4);
           ++j, ++digits) {
        v = v * 16 + static_cast<uint32_t>(std::stoi(std::string(1, static_cast<char>(cps[j])), nullptr, 16));
      }
      if (braces) ++j;
      out.push_back(static_cast<wchar_t>(v));
      i = j - 1;
      continue;
    }
    out.push_back(static_cast<wchar_t>(cps[i]));
  }
  return out;
}

TEST(TokenizerPreTokenizer, AgreesWithStdRegexAsLlamaCppRunsIt) {
  const char* collapsed[] = {
      R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      R"([\p{P}\$\+<=>\^~\|`]+)",
      R"([\p{P}\$\+<=>\^~\|]+)",
      R"(\p{N}+)",
  };
  const char* wide[] = {
      R"([\r\n])",
      R"(\s?[A-Za-z\u00B5\u00C0-\u00D6\u0370-\u0373\u1F5F-\u1F7D\u{10400}-\u{1044F}]+)",
      R"(\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+)",
      R"(\s+$)",
      R"([\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+)",
      R"([0-9][0-9][0-9])",
  };
  std::mt19937 rng(11);
  for (const char* pattern : collapsed) {
    const Regex ours(pattern);
    const std::regex reference(collapse_pattern(pattern));
    for (int iter = 0; iter < 4000; ++iter) {
      std::vector<uint32_t> t = random_text(rng);
      for (uint32_t& c : t) c = std::min(c, kMaxCodepoint);
      const std::string collapsed_text = collapse_text(t);
      std::vector<std::pair<size_t, size_t>> expected;
      for (auto it = std::sregex_iterator(collapsed_text.begin(), collapsed_text.end(), reference);
           it != std::sregex_iterator(); ++it) {
        expected.emplace_back(it->position(), it->position() + it->length());
      }
      std::vector<uint32_t> probe = t;
      for (uint32_t& c : probe) c = c >= 0x80 && is_white_space(c) ? 0x0B : c;
      ASSERT_EQ(ours.find_all(probe), expected) << pattern << " on '" << utf8(t, 0, t.size()) << "'";
    }
  }
  for (const char* pattern : wide) {
    const Regex ours(pattern);
    const std::wregex reference(wide_pattern(pattern));
    for (int iter = 0; iter < 4000; ++iter) {
      std::vector<uint32_t> t = random_text(rng);
      for (uint32_t& c : t) c = std::min(c, kMaxCodepoint);
      std::vector<uint32_t> probe = t;
      for (uint32_t& c : probe) c = c >= 0x80 && is_white_space(c) ? 0x0B : c;
      const std::wstring wtext(probe.begin(), probe.end());
      std::vector<std::pair<size_t, size_t>> expected;
      for (auto it = std::wsregex_iterator(wtext.begin(), wtext.end(), reference);
           it != std::wsregex_iterator(); ++it) {
        expected.emplace_back(it->position(), it->position() + it->length());
      }
      ASSERT_EQ(ours.find_all(probe), expected) << pattern << " on '" << utf8(t, 0, t.size()) << "'";
    }
  }
}

std::vector<std::string> words(PreTokenizerKind kind, std::string_view text) {
  return PreTokenizer(kind).split_utf8(text);
}

TEST(TokenizerPreTokenizer, Splits) {
  EXPECT_EQ(words(PreTokenizerKind::gpt2, "Hello world's  3.14\n\n"),
            (Strings{"Hello", " world", "'s", " ", " 3", ".", "14", "\n\n"}));
  EXPECT_EQ(words(PreTokenizerKind::llama3, "Hello 12345\n \n  x"),
            (Strings{"Hello", " ", "123", "45", "\n \n", " ", " x"}));
  EXPECT_EQ(words(PreTokenizerKind::qwen2, "ab12"), (Strings{"ab", "1", "2"}));
  EXPECT_EQ(words(PreTokenizerKind::falcon, "x=1234!!"), (Strings{"x", "=", "123", "4", "!!"}));
  // CJK is not in DeepSeek's letter class; a pattern of its own takes it.
  EXPECT_EQ(words(PreTokenizerKind::deepseek_llm, "ab \xE4\xBD\xA0\xE5\xA5\xBD 12"),
            (Strings{"ab", " ", "\xE4\xBD\xA0\xE5\xA5\xBD", " ", "12"}));
  // U+3000 is white space to llama.cpp's std::regex (it becomes U+000B there), so it joins the "!" through
  // \s? and DeepSeek's CJK range U+0800..U+4E00, which lists it, never sees it.
  EXPECT_EQ(words(PreTokenizerKind::deepseek_llm, "\xE3\x80\x80!"), (Strings{"\xE3\x80\x80!"}));
  EXPECT_EQ(words(PreTokenizerKind::deepseek_llm, "\xE3\x80\x81!"), (Strings{"\xE3\x80\x81", "!"}));
  EXPECT_EQ(words(PreTokenizerKind::llama_default, "a, b 1234"), (Strings{"a", ",", " b", " ", "123", "4"}));
  EXPECT_TRUE(words(PreTokenizerKind::gpt2, "").empty());
}

TEST(TokenizerUnicode, CategoriesAndUtf8) {
  EXPECT_EQ(general_category('A'), GeneralCategory::lu);
  EXPECT_EQ(general_category(0x4E00), GeneralCategory::lo);
  EXPECT_EQ(general_category(0x2EBF0), GeneralCategory::lo);  // CJK Extension I: Unicode 15.1
  EXPECT_EQ(general_category(0x0CF3), GeneralCategory::mc);   // Unicode 15.0
  EXPECT_EQ(general_category(0x1C89), GeneralCategory::cn);   // assigned only in Unicode 16.0
  EXPECT_EQ(general_category(0x110000), GeneralCategory::cn);
  EXPECT_TRUE(is_white_space(0x3000));
  EXPECT_FALSE(is_white_space(0x200B));
  EXPECT_EQ(decode_utf8("\xC3\xA9\xFF\xE2\x82"), (std::vector<uint32_t>{0xE9, 0xFFFD, 0xFFFD, 0xFFFD}));
  EXPECT_EQ(decode_utf8("\xC0\x80\xF7\xBF\xBF\xBF"), (std::vector<uint32_t>{0, 0x1FFFFF}));
  std::string s;
  append_utf8(s, 0x1F600);
  append_utf8(s, 0x1FFFFF);
  EXPECT_EQ(s, "\xF0\x9F\x98\x80\xEF\xBF\xBD");
}

}  // namespace
}  // namespace ck::tok
