#include "tokenizer/regex.h"

#include <bitset>
#include <limits>
#include <stdexcept>

#include "tokenizer/unicode.h"

namespace ck::tok {
namespace {

constexpr size_t kNoMatch = std::numeric_limits<size_t>::max();
constexpr int kUnbounded = -1;
constexpr int kMaxRepeat = 1000;

bool is_word_char(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
}

bool is_line_terminator(uint32_t cp) { return cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029; }

// One member of a bracket class: a code point range, a category set or a class escape, maybe complemented.
struct ClassItem {
  enum class Kind : uint8_t { range, category, space, digit, word };
  Kind kind = Kind::range;
  bool negated = false;
  uint32_t lo = 0;
  uint32_t hi = 0;
  CategoryMask mask = 0;

  bool contains(uint32_t cp) const {
    bool in = false;
    switch (kind) {
      case Kind::range:
        in = lo <= cp && cp <= hi;
        break;
      case Kind::category:
        in = in_categories(cp, mask);
        break;
      case Kind::space:
        in = is_white_space(cp);
        break;
      case Kind::digit:
        in = cp >= '0' && cp <= '9';
        break;
      case Kind::word:
        in = is_word_char(cp);
        break;
    }
    return in != negated;
  }
};

struct CharClass {
  bool negated = false;
  std::vector<ClassItem> items;
  std::bitset<128> ascii;  // membership of U+0000..U+007F, negation applied

  bool contains_slow(uint32_t cp) const {
    bool in = false;
    for (const ClassItem& item : items) {
      if (item.contains(cp)) {
        in = true;
        break;
      }
    }
    return in != negated;
  }
  void finish() {
    for (uint32_t c = 0; c < 128; ++c) ascii[c] = contains_slow(c);
  }
  bool contains(uint32_t cp) const { return cp < 128 ? ascii[cp] : contains_slow(cp); }
};

struct Node {
  enum class Kind : uint8_t {
    empty,
    literal,
    char_class,
    any,
    begin,
    end,
    concat,
    alternation,
    repeat,
    lookaround
  };
  Kind kind = Kind::empty;
  uint32_t value = 0;   // literal: the code point; char_class: the class index
  bool negate = false;  // lookaround
  int min = 0;          // repeat
  int max = 0;          // repeat; kUnbounded for no limit
  std::vector<Node> kids{};
};

bool can_match_empty(const Node& n) {
  switch (n.kind) {
    case Node::Kind::literal:
    case Node::Kind::char_class:
    case Node::Kind::any:
      return false;
    case Node::Kind::concat:
      for (const Node& k : n.kids) {
        if (!can_match_empty(k)) return false;
      }
      return true;
    case Node::Kind::alternation:
      for (const Node& k : n.kids) {
        if (can_match_empty(k)) return true;
      }
      return false;
    case Node::Kind::repeat:
      return n.min == 0 || can_match_empty(n.kids[0]);
    default:
      return true;
  }
}

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<CharClass>& classes)
      : pattern_(pattern), cps_(decode_utf8(pattern)), classes_(classes) {}

  Node parse() {
    Node n = parse_alternation();
    if (!at_end()) fail("unmatched ')'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("regex '" + std::string(pattern_) + "': " + what + " at code point " +
                                std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= cps_.size(); }
  uint32_t peek() const { return cps_[pos_]; }
  uint32_t next() {
    if (at_end()) fail("unexpected end of pattern");
    return cps_[pos_++];
  }
  bool accept(uint32_t c) {
    if (!at_end() && peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Node parse_alternation() {
    Node first = parse_concatenation();
    if (at_end() || peek() != '|') return first;
    Node alt{.kind = Node::Kind::alternation};
    alt.kids.push_back(std::move(first));
    while (accept('|')) alt.kids.push_back(parse_concatenation());
    return alt;
  }

  Node parse_concatenation() {
    Node cat{.kind = Node::Kind::concat};
    while (!at_end() && peek() != '|' && peek() != ')') cat.kids.push_back(parse_repetition());
    if (cat.kids.empty()) return Node{};
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    return cat;
  }

  int parse_count() {
    if (at_end() || peek() < '0' || peek() > '9') fail("expected a number in {}");
    int value = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + static_cast<int>(next() - '0');
      if (value > kMaxRepeat) fail("repeat count above " + std::to_string(kMaxRepeat));
    }
    return value;
  }

  Node parse_repetition() {
    Node atom = parse_atom();
    if (at_end()) return atom;
    int min = 0;
    int max = 0;
    switch (peek()) {
      case '*':
        min = 0, max = kUnbounded;
        break;
      case '+':
        min = 1, max = kUnbounded;
        break;
      case '?':
        min = 0, max = 1;
        break;
      case '{': {
        ++pos_;
        min = parse_count();
        max = min;
        if (accept(',')) max = (!at_end() && peek() == '}') ? kUnbounded : parse_count();
        if (at_end() || peek() != '}') fail("expected '}'");
        if (max != kUnbounded && max < min) fail("{m,n} with n < m");
        break;
      }
      default:
        return atom;
    }
    ++pos_;
    if (!at_end() && peek() == '?') fail("lazy quantifiers are not supported");
    if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '{')) fail("nothing to repeat");
    if (atom.kind == Node::Kind::begin || atom.kind == Node::Kind::end || atom.kind == Node::Kind::lookaround)
      fail("an assertion cannot be repeated");
    if (max == kUnbounded && can_match_empty(atom)) fail("an unbounded repeat of what can match nothing");
    Node rep{.kind = Node::Kind::repeat, .min = min, .max = max};
    rep.kids.push_back(std::move(atom));
    return rep;
  }

  Node parse_atom() {
    const uint32_t c = next();
    switch (c) {
      case '(': {
        Node inner;
        if (accept('?')) {
          if (accept(':')) {
            inner = parse_alternation();
          } else if (!at_end() && (peek() == '=' || peek() == '!')) {
            const bool negate = next() == '!';
            inner = Node{.kind = Node::Kind::lookaround, .negate = negate};
            inner.kids.push_back(parse_alternation());
          } else {
            fail("unsupported group syntax");
          }
        } else {
          inner = parse_alternation();  // capture groups are only groups here
        }
        if (!accept(')')) fail("missing ')'");
        return inner;
      }
      case ')':
        fail("unmatched ')'");
      case '[':
        return class_node(parse_bracket_class());
      case '.':
        return Node{.kind = Node::Kind::any};
      case '^':
        return Node{.kind = Node::Kind::begin};
      case '$':
        return Node{.kind = Node::Kind::end};
      case '*':
      case '+':
      case '?':
      case '{':
        fail("nothing to repeat");
      case '\\': {
        CharClass cls;
        if (parse_class_escape(&cls)) {
          cls.finish();
          return class_node(std::move(cls));
        }
        return Node{.kind = Node::Kind::literal, .value = parse_char_escape(false)};
      }
      default:
        return Node{.kind = Node::Kind::literal, .value = c};
    }
  }

  Node class_node(CharClass cls) {
    classes_.push_back(std::move(cls));
    return Node{.kind = Node::Kind::char_class, .value = static_cast<uint32_t>(classes_.size() - 1)};
  }

  uint32_t parse_hex(int digits) {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const uint32_t h = next();
      value <<= 4;
      if (h >= '0' && h <= '9') {
        value |= h - '0';
      } else if (h >= 'a' && h <= 'f') {
        value |= h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        value |= h - 'A' + 10;
      } else {
        fail("bad hexadecimal digit");
      }
    }
    return value;
  }

  // After a backslash: \d \D \w \W \s \S \p{..} \P{..}. Adds the item to cls and returns true, or leaves
  // the position alone and returns false for escapes of single characters.
  bool parse_class_escape(CharClass* cls) {
    if (at_end()) fail("pattern ends with '\\'");
    const uint32_t e = peek();
    ClassItem item;
    switch (e) {
      case 'd':
      case 'D':
        item.kind = ClassItem::Kind::digit;
        break;
      case 'w':
      case 'W':
        item.kind = ClassItem::Kind::word;
        break;
      case 's':
      case 'S':
        item.kind = ClassItem::Kind::space;
        break;
      case 'p':
      case 'P': {
        ++pos_;
        if (!accept('{')) fail("expected '{' after \\p");
        std::string name;
        while (!at_end() && peek() != '}') {
          const uint32_t n = next();
          if (n >= 0x80) fail("bad category name");
          name.push_back(static_cast<char>(n));
        }
        if (!accept('}')) fail("missing '}' after \\p{");
        const auto mask = category_mask_by_name(name);
        if (!mask) fail("unknown Unicode category '" + name + "'");
        item.kind = ClassItem::Kind::category;
        item.mask = *mask;
        item.negated = e == 'P';
        cls->items.push_back(item);
        return true;
      }
      default:
        return false;
    }
    ++pos_;
    item.negated = e >= 'A' && e <= 'Z';
    cls->items.push_back(item);
    return true;
  }

  // After a backslash, an escape that stands for one code point.
  uint32_t parse_char_escape(bool in_class) {
    const uint32_t e = next();
    switch (e) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'f':
        return '\f';
      case 'v':
        return 0x0B;
      case '0':
        if (!at_end() && peek() >= '0' && peek() <= '9') fail("octal escapes are not supported");
        return 0;
      case 'x':
        return parse_hex(2);
      case 'u': {
        if (accept('{')) {
          uint32_t value = 0;
          int digits = 0;
          while (!at_end() && peek() != '}') {
            value = (value << 4) | parse_hex(1);
            if (++digits > 6) fail("\\u{...} too long");
          }
          if (!accept('}') || digits == 0) fail("bad \\u{...} escape");
          if (value > kMaxCodepoint) fail("code point above U+10FFFF");
          return value;
        }
        return parse_hex(4);
      }
      case 'b':
        if (in_class) return 0x08;
        fail("word boundaries are not supported");
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
          fail("unknown escape");
        return e;  // an escaped punctuation character (or any non-ASCII one) stands for itself
    }
  }

  CharClass parse_bracket_class() {
    CharClass cls;
    cls.negated = accept('^');
    while (true) {
      if (at_end()) fail("missing ']'");
      if (accept(']')) break;
      uint32_t lo = 0;
      if (!parse_class_member(&cls, &lo)) continue;  // a set escape was added
      uint32_t hi = lo;
      if (!at_end() && peek() == '-' && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
        ++pos_;
        if (!parse_class_member(&cls, &hi)) fail("a range cannot end in a class escape");
        if (hi < lo) fail("range out of order");
      }
      cls.items.push_back(ClassItem{.kind = ClassItem::Kind::range, .lo = lo, .hi = hi});
    }
    cls.finish();
    return cls;
  }

  // One class member: returns false after adding a set escape to cls, true with a single code point in *cp.
  bool parse_class_member(CharClass* cls, uint32_t* cp) {
    const uint32_t c = next();
    if (c != '\\') {
      *cp = c;
      return true;
    }
    if (parse_class_escape(cls)) return false;
    *cp = parse_char_escape(true);
    return true;
  }

  std::string_view pattern_;
  std::vector<uint32_t> cps_;
  size_t pos_ = 0;
  std::vector<CharClass>& classes_;
};

enum class Op : uint8_t { literal, char_class, any, split, jump, begin, end, lookaround, match };

struct Inst {
  Op op = Op::match;
  bool negate = false;  // lookaround
  uint32_t a = 0;       // literal: code point; char_class: class; split: preferred target; jump: target;
                        // lookaround: program
  uint32_t b = 0;       // split: the other target
  uint32_t slot = 0;    // split: index into the visited bitmap
};

struct Program {
  std::vector<Inst> code;
  uint32_t n_slots = 0;
};

}  // namespace

struct Regex::Compiled {
  std::string pattern;
  std::vector<CharClass> classes;
  Program main;
  std::vector<Program> lookaheads;
};

namespace {

class Compiler {
 public:
  explicit Compiler(Regex::Compiled& out) : out_(out) {}

  Program compile(const Node& root) {
    Program p;
    emit(p, root);
    p.code.push_back(Inst{.op = Op::match});
    return p;
  }

 private:
  static uint32_t here(const Program& p) { return static_cast<uint32_t>(p.code.size()); }

  uint32_t emit_split(Program& p, uint32_t preferred) {
    p.code.push_back(Inst{.op = Op::split, .a = preferred, .slot = p.n_slots++});
    return here(p) - 1;
  }

  void emit(Program& p, const Node& n) {
    switch (n.kind) {
      case Node::Kind::empty:
        break;
      case Node::Kind::literal:
        p.code.push_back(Inst{.op = Op::literal, .a = n.value});
        break;
      case Node::Kind::char_class:
        p.code.push_back(Inst{.op = Op::char_class, .a = n.value});
        break;
      case Node::Kind::any:
        p.code.push_back(Inst{.op = Op::any});
        break;
      case Node::Kind::begin:
        p.code.push_back(Inst{.op = Op::begin});
        break;
      case Node::Kind::end:
        p.code.push_back(Inst{.op = Op::end});
        break;
      case Node::Kind::concat:
        for (const Node& k : n.kids) emit(p, k);
        break;
      case Node::Kind::alternation: {
        std::vector<uint32_t> exits;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          if (i + 1 == n.kids.size()) {
            emit(p, n.kids[i]);
            break;
          }
          const uint32_t split = emit_split(p, here(p) + 1);
          emit(p, n.kids[i]);
          exits.push_back(here(p));
          p.code.push_back(Inst{.op = Op::jump});
          p.code[split].b = here(p);
        }
        for (uint32_t j : exits) p.code[j].a = here(p);
        break;
      }
      case Node::Kind::repeat: {
        const Node& body = n.kids[0];
        for (int i = 0; i < n.min; ++i) emit(p, body);
        if (n.max == kUnbounded) {
          const uint32_t loop = emit_split(p, here(p) + 1);
          emit(p, body);
          p.code.push_back(Inst{.op = Op::jump, .a = loop});
          p.code[loop].b = here(p);
        } else {
          std::vector<uint32_t> splits;
          for (int i = n.min; i < n.max; ++i) {
            splits.push_back(emit_split(p, here(p) + 1));
            emit(p, body);
          }
          for (uint32_t s : splits) p.code[s].b = here(p);
        }
        break;
      }
      case Node::Kind::lookaround: {
        Program sub = compile(n.kids[0]);
        out_.lookaheads.push_back(std::move(sub));
        p.code.push_back(Inst{.op = Op::lookaround,
                              .negate = n.negate,
                              .a = static_cast<uint32_t>(out_.lookaheads.size() - 1)});
        break;
      }
    }
  }

  Regex::Compiled& out_;
};

// Which (split, position) pairs a search has explored; see the header comment on linear time.
class Visited {
 public:
  Visited(uint32_t n_slots, size_t n_positions)
      : n_slots_(n_slots), width_(n_positions), bits_((size_t{n_slots} * n_positions + 63) / 64) {}

  // True when the pair was seen before; marks it.
  bool test_and_set(uint32_t slot, size_t pos) {
    const size_t i = size_t{slot} * width_ + pos;
    const uint64_t m = uint64_t{1} << (i & 63);
    uint64_t& w = bits_[i >> 6];
    const bool seen = (w & m) != 0;
    w |= m;
    return seen;
  }

  void clear_position(size_t pos) {
    for (uint32_t s = 0; s < n_slots_; ++s) {
      const size_t i = size_t{s} * width_ + pos;
      bits_[i >> 6] &= ~(uint64_t{1} << (i & 63));
    }
  }

 private:
  uint32_t n_slots_;
  size_t width_;
  std::vector<uint64_t> bits_;
};

using Backtrack = std::vector<std::pair<uint32_t, size_t>>;

size_t run(const Regex::Compiled& re, const Program& prog, std::span<const uint32_t> text, size_t start,
           Visited* visited, Backtrack& stack) {
  const size_t n = text.size();
  stack.clear();
  uint32_t pc = 0;
  size_t pos = start;
  while (true) {
    const Inst& in = prog.code[pc];
    bool ok = true;
    switch (in.op) {
      case Op::literal:
        ok = pos < n && text[pos] == in.a;
        if (ok) ++pos, ++pc;
        break;
      case Op::char_class:
        ok = pos < n && re.classes[in.a].contains(text[pos]);
        if (ok) ++pos, ++pc;
        break;
      case Op::any:
        ok = pos < n && !is_line_terminator(text[pos]);
        if (ok) ++pos, ++pc;
        break;
      case Op::begin:
        ok = pos == 0;
        ++pc;
        break;
      case Op::end:
        ok = pos == n;
        ++pc;
        break;
      case Op::split:
        if (visited != nullptr && visited->test_and_set(in.slot, pos)) {
          ok = false;
          break;
        }
        stack.emplace_back(in.b, pos);
        pc = in.a;
        break;
      case Op::jump:
        pc = in.a;
        break;
      case Op::lookaround: {
        Backtrack inner;
        const bool found = run(re, re.lookaheads[in.a], text, pos, nullptr, inner) != kNoMatch;
        ok = found != in.negate;
        ++pc;
        break;
      }
      case Op::match:
        return pos;
    }
    if (!ok) {
      if (stack.empty()) return kNoMatch;
      pc = stack.back().first;
      pos = stack.back().second;
      stack.pop_back();
    }
  }
}

}  // namespace

Regex::Regex(std::string_view pattern) {
  auto compiled = std::make_unique<Compiled>();
  compiled->pattern = std::string(pattern);
  const Node root = Parser(pattern, compiled->classes).parse();
  compiled->main = Compiler(*compiled).compile(root);
  compiled_ = std::move(compiled);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

const std::string& Regex::pattern() const { return compiled_->pattern; }

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::span<const uint32_t> text) const {
  std::vector<std::pair<size_t, size_t>> matches;
  const size_t n = text.size();
  Visited visited(compiled_->main.n_slots, n + 1);
  Backtrack stack;
  size_t pos = 0;
  while (pos < n) {
    size_t start = pos;
    size_t end = kNoMatch;
    for (; start < n; ++start) {
      end = run(*compiled_, compiled_->main, text, start, &visited, stack);
      if (end != kNoMatch) break;
    }
    if (end == kNoMatch) break;
    if (end == start) {
      pos = start + 1;
      continue;
    }
    matches.emplace_back(start, end);
    // The pairs at `end` that led to this match are not failures: the next search may need them again.
    visited.clear_position(end);
    pos = end;
  }
  return matches;
}

size_t Regex::match_at(std::span<const uint32_t> text, size_t pos) const {
  if (pos > text.size()) return kNoMatch;
  Visited visited(compiled_->main.n_slots, text.size() + 1);
  Backtrack stack;
  return run(*compiled_, compiled_->main, text, pos, &visited, stack);
}

}  // namespace ck::tok
