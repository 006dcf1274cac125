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
  if (cp > kMaxCodepoint) return GeneralCategory::Cn;
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
      {"L", "Letter", bits({G::Lu, G::Ll, G::Lt, G::Lm, G::Lo})},
      {"LC", "Cased_Letter", bits({G::Lu, G::Ll, G::Lt})},
      {"Lu", "Uppercase_Letter", bits({G::Lu})},
      {"Ll", "Lowercase_Letter", bits({G::Ll})},
      {"Lt", "Titlecase_Letter", bits({G::Lt})},
      {"Lm", "Modifier_Letter", bits({G::Lm})},
      {"Lo", "Other_Letter", bits({G::Lo})},
      {"M", "Mark", bits({G::Mn, G::Mc, G::Me})},
      {"Mn", "Nonspacing_Mark", bits({G::Mn})},
      {"Mc", "Spacing_Mark", bits({G::Mc})},
      {"Me", "Enclosing_Mark", bits({G::Me})},
      {"N", "Number", bits({G::Nd, G::Nl, G::No})},
      {"Nd", "Decimal_Number", bits({G::Nd})},
      {"Nl", "Letter_Number", bits({G::Nl})},
      {"No", "Other_Number", bits({G::No})},
      {"P", "Punctuation", bits({G::Pc, G::Pd, G::Ps, G::Pe, G::Pi, G::Pf, G::Po})},
      {"Pc", "Connector_Punctuation", bits({G::Pc})},
      {"Pd", "Dash_Punctuation", bits({G::Pd})},
      {"Ps", "Open_Punctuation", bits({G::Ps})},
      {"Pe", "Close_Punctuation", bits({G::Pe})},
      {"Pi", "Initial_Punctuation", bits({G::Pi})},
      {"Pf", "Final_Punctuation", bits({G::Pf})},
      {"Po", "Other_Punctuation", bits({G::Po})},
      {"S", "Symbol", bits({G::Sm, G::Sc, G::Sk, G::So})},
      {"Sm", "Math_Symbol", bits({G::Sm})},
      {"Sc", "Currency_Symbol", bits({G::Sc})},
      {"Sk", "Modifier_Symbol", bits({G::Sk})},
      {"So", "Other_Symbol", bits({G::So})},
      {"Z", "Separator", bits({G::Zs, G::Zl, G::Zp})},
      {"Zs", "Space_Separator", bits({G::Zs})},
      {"Zl", "Line_Separator", bits({G::Zl})},
      {"Zp", "Paragraph_Separator", bits({G::Zp})},
      {"C", "Other", bits({G::Cc, G::Cf, G::Cs, G::Co, G::Cn})},
      {"Cc", "Control", bits({G::Cc})},
      {"Cf", "Format", bits({G::Cf})},
      {"Cs", "Surrogate", bits({G::Cs})},
      {"Co", "Private_Use", bits({G::Co})},
      {"Cn", "Unassigned", bits({G::Cn})},
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
