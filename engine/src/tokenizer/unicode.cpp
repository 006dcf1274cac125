#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>
#include <memory>

#include "tokenizer/unicode_tables.h"

namespace ck::tok {
namespace {

GeneralCategory category_from_runs(uint32_t cp) {
  const uint32_t* begin = kGeneralCategoryRuns;
  const uint32_t* end = kGeneralCategoryRuns + kGeneralCategoryRunCount;
  // The last run whose first code point is <= cp.
  const uint32_t* it =
      std::upper_bound(begin, end, cp, [](uint32_t c, uint32_t run) { return c < (run >> 8); });
  return static_cast<GeneralCategory>(*(it - 1) & 0xFF);
}

// The Basic Multilingual Plane is looked up directly; the rest by binary search over the runs.
const std::array<GeneralCategory, 0x10000>& bmp_categories() {
  static const std::unique_ptr<const std::array<GeneralCategory, 0x10000>> table = [] {
    auto t = std::make_unique<std::array<GeneralCategory, 0x10000>>();
    for (size_t i = 0; i < kGeneralCategoryRunCount; ++i) {
      const uint32_t first = kGeneralCategoryRuns[i] >> 8;
      if (first >= 0x10000) break;
      const uint32_t next = i + 1 < kGeneralCategoryRunCount ? (kGeneralCategoryRuns[i + 1] >> 8) : 0x10000;
      std::fill(t->begin() + first, t->begin() + std::min<uint32_t>(next, 0x10000),
                static_cast<GeneralCategory>(kGeneralCategoryRuns[i] & 0xFF));
    }
    return t;
  }();
  return *table;
}

constexpr CategoryMask bits(std::initializer_list<GeneralCategory> cats) {
  CategoryMask m = 0;
  for (GeneralCategory c : cats) m |= category_bit(c);
  return m;
}

}  // namespace

GeneralCategory general_category(uint32_t cp) {
  if (cp < 0x10000) return bmp_categories()[cp];
  if (cp > kMaxCodepoint) return GeneralCategory::cn;
  return category_from_runs(cp);
}

bool is_white_space(uint32_t cp) {
  for (size_t i = 0; i < kWhiteSpaceRangeCount; ++i) {
    if (cp < kWhiteSpaceRanges[i][0]) return false;
    if (cp <= kWhiteSpaceRanges[i][1]) return true;
  }
  return false;
}

std::optional<CategoryMask> category_mask_by_name(std::string_view name) {
  using G = GeneralCategory;
  struct Entry {
    std::string_view short_name;
    std::string_view long_name;
    CategoryMask mask;
  };
  static constexpr Entry kEntries[] = {
      {"L", "Letter", bits({G::lu, G::ll, G::lt, G::lm, G::lo})},
      {"LC", "Cased_Letter", bits({G::lu, G::ll, G::lt})},
      {"Lu", "Uppercase_Letter", bits({G::lu})},
      {"Ll", "Lowercase_Letter", bits({G::ll})},
      {"Lt", "Titlecase_Letter", bits({G::lt})},
      {"Lm", "Modifier_Letter", bits({G::lm})},
      {"Lo", "Other_Letter", bits({G::lo})},
      {"M", "Mark", bits({G::mn, G::mc, G::me})},
      {"Mn", "Nonspacing_Mark", bits({G::mn})},
      {"Mc", "Spacing_Mark", bits({G::mc})},
      {"Me", "Enclosing_Mark", bits({G::me})},
      {"N", "Number", bits({G::nd, G::nl, G::no})},
      {"Nd", "Decimal_Number", bits({G::nd})},
      {"Nl", "Letter_Number", bits({G::nl})},
      {"No", "Other_Number", bits({G::no})},
      {"P", "Punctuation", bits({G::pc, G::pd, G::ps, G::pe, G::pi, G::pf, G::po})},
      {"Pc", "Connector_Punctuation", bits({G::pc})},
      {"Pd", "Dash_Punctuation", bits({G::pd})},
      {"Ps", "Open_Punctuation", bits({G::ps})},
      {"Pe", "Close_Punctuation", bits({G::pe})},
      {"Pi", "Initial_Punctuation", bits({G::pi})},
      {"Pf", "Final_Punctuation", bits({G::pf})},
      {"Po", "Other_Punctuation", bits({G::po})},
      {"S", "Symbol", bits({G::sm, G::sc, G::sk, G::so})},
      {"Sm", "Math_Symbol", bits({G::sm})},
      {"Sc", "Currency_Symbol", bits({G::sc})},
      {"Sk", "Modifier_Symbol", bits({G::sk})},
      {"So", "Other_Symbol", bits({G::so})},
      {"Z", "Separator", bits({G::zs, G::zl, G::zp})},
      {"Zs", "Space_Separator", bits({G::zs})},
      {"Zl", "Line_Separator", bits({G::zl})},
      {"Zp", "Paragraph_Separator", bits({G::zp})},
      {"C", "Other", bits({G::cc, G::cf, G::cs, G::co, G::cn})},
      {"Cc", "Control", bits({G::cc})},
      {"Cf", "Format", bits({G::cf})},
      {"Cs", "Surrogate", bits({G::cs})},
      {"Co", "Private_Use", bits({G::co})},
      {"Cn", "Unassigned", bits({G::cn})},
  };
  for (const Entry& e : kEntries) {
    if (name == e.short_name || name == e.long_name) return e.mask;
  }
  return std::nullopt;
}

size_t utf8_sequence_length(unsigned char lead) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

uint32_t decode_utf8(std::string_view text, size_t* offset) {
  const size_t at = *offset;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[at + i]); };
  const auto continuation = [&](size_t i) { return at + i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const uint8_t b0 = byte(0);
  size_t n = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) {
    n = 1;
    cp = b0;
  } else if ((b0 & 0x40) == 0) {
    n = 0;  // a continuation byte cannot start a sequence
  } else if ((b0 & 0x20) == 0) {
    if (continuation(1)) {
      n = 2;
      cp = (uint32_t{b0 & 0x1Fu} << 6) | (byte(1) & 0x3Fu);
    }
  } else if ((b0 & 0x10) == 0) {
    if (continuation(1) && continuation(2)) {
      n = 3;
      cp = (uint32_t{b0 & 0x0Fu} << 12) | (uint32_t{byte(1) & 0x3Fu} << 6) | (byte(2) & 0x3Fu);
    }
  } else if ((b0 & 0x08) == 0) {
    if (continuation(1) && continuation(2) && continuation(3)) {
      n = 4;
      cp = (uint32_t{b0 & 0x07u} << 18) | (uint32_t{byte(1) & 0x3Fu} << 12) |
           (uint32_t{byte(2) & 0x3Fu} << 6) | (byte(3) & 0x3Fu);
    }
  }
  if (n == 0) {
    *offset = at + 1;
    return kReplacementChar;
  }
  *offset = at + n;
  return cp;
}

std::vector<uint32_t> decode_utf8(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) out.push_back(decode_utf8(text, &offset));
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp > kMaxCodepoint) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace ck::tok
