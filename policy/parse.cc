// parse_document: RapidJSON's SAX reader drives a small state machine that builds
// the Document directly ("IAM JSON policy grammar"; policy-semantics 1.1-1.4).
//
// The reader runs in iterative mode, so nesting depth never recurses; the state
// machine never goes deeper than the grammar allows (seven levels). After the
// first shape error it stops building and only lets the reader finish, so that
// a text that is not JSON at all is told apart from JSON of the wrong shape.
#include <rapidjson/reader.h>

#include <array>
#include <cstring>
#include <span>
#include <string>
#include <unordered_set>

#include "policy/document.h"
#include "policy/operators.h"
#include "policy/text.h"

namespace gatehouse::policy {
namespace {

// Numbers keep their literal text; strings are decoded in place, in the document's own copy
// of the text; no comments, no trailing commas, no NaN (AWS rejects all three). The encoding
// of every string is checked, by the reader for a text with bytes above 0x7F (an ASCII text
// is valid UTF-8, and the reader refuses control characters in strings either way).
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
constexpr unsigned kParseFlagsValidating = kParseFlags | rapidjson::kParseValidateEncodingFlag;

// True iff every byte is below 0x80 (eight bytes at a time).
bool is_ascii(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t any = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    any |= word;
  }
  for (; i < text.size(); ++i) any |= static_cast<unsigned char>(text[i]);
  return (any & 0x8080808080808080ull) == 0;
}

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

enum class Element : std::uint8_t {
  None, Version, Id, Statement,
  Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition,
};

struct ElementName {
  std::string_view name;
  Element element;
};

constexpr std::array kTopElements{
    ElementName{"Version", Element::Version}, ElementName{"Id", Element::Id},
    ElementName{"Statement", Element::Statement},
};

constexpr std::array kStatementElements{
    ElementName{"Sid", Element::Sid}, ElementName{"Effect", Element::Effect},
    ElementName{"Principal", Element::Principal}, ElementName{"NotPrincipal", Element::NotPrincipal},
    ElementName{"Action", Element::Action}, ElementName{"NotAction", Element::NotAction},
    ElementName{"Resource", Element::Resource}, ElementName{"NotResource", Element::NotResource},
    ElementName{"Condition", Element::Condition},
};

constexpr std::array<std::string_view, 4> kPrincipalTypes{"AWS", "Service", "Federated", "CanonicalUser"};

std::string_view element_name(Element e) {
  for (const auto& n : kTopElements) if (n.element == e) return n.name;
  for (const auto& n : kStatementElements) if (n.element == e) return n.name;
  return {};
}

unsigned element_bit(Element e) { return 1u << static_cast<unsigned>(e); }

// Elements that must not appear together in one statement.
Element counterpart(Element e) {
  switch (e) {
    case Element::Action: return Element::NotAction;
    case Element::NotAction: return Element::Action;
    case Element::Resource: return Element::NotResource;
    case Element::NotResource: return Element::Resource;
    case Element::Principal: return Element::NotPrincipal;
    case Element::NotPrincipal: return Element::Principal;
    default: return Element::None;
  }
}

JsonPath indexed(const JsonPath& path, std::size_t index) { return path.indexed(index); }

JsonPath member(const JsonPath& path, std::string_view name) { return path.member(name); }

// Turns byte offsets into 1-based line/column (columns count code points).
// Offsets are asked for in increasing order, so the whole parse is one pass.
class LineCounter {
 public:
  // `ascii`: the text has no byte above 0x7F, so a column is a byte.
  LineCounter(std::string_view text, bool ascii)
      : text_(text), simple_(ascii && text.find('\r') == std::string_view::npos) {}

  Position at(std::size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < offset_) {
      offset_ = 0;
      pos_ = Position{1, 1};
    }
    if (simple_) {
      // Lines end at LF only and every byte is a column: jump from line feed to line feed.
      while (offset_ < offset) {
        const void* lf = std::memchr(text_.data() + offset_, '\n', offset - offset_);
        if (!lf) {
          pos_.column += static_cast<std::uint32_t>(offset - offset_);
          offset_ = offset;
          break;
        }
        offset_ = static_cast<std::size_t>(static_cast<const char*>(lf) - text_.data()) + 1;
        ++pos_.line;
        pos_.column = 1;
      }
      return pos_;
    }
    while (offset_ < offset) {
      const auto c = static_cast<unsigned char>(text_[offset_++]);
      if (c == '\n') {
        ++pos_.line;
        pos_.column = 1;
      } else if (c == '\r') {
        // A CR ends a line unless the LF of a CRLF follows.
        if (offset_ >= text_.size() || text_[offset_] != '\n') {
          ++pos_.line;
          pos_.column = 1;
        }
      } else if ((c & 0xC0) != 0x80) {
        ++pos_.column;
      }
    }
    return pos_;
  }

 private:
  std::string_view text_;
  bool simple_;
  std::size_t offset_ = 0;
  Position pos_{1, 1};
};

enum class Ctx : std::uint8_t {
  Root, Top, StatementList, Statement, List, PrincipalMap, PrincipalList, ConditionMap, OperatorMap, ValueList, Done,
};

struct Frame {
  Ctx ctx;
  Position open;  // position of the '{' or '[' that opened this frame
  JsonPath path;  // JSON path of this container
  Element pending = Element::None;  // Top and Statement: element of the key just read
  unsigned seen = 0;                // Top and Statement: bit per element already present
  std::size_t next_index = 0;       // arrays: index of the next member
};

enum class Scalar : std::uint8_t { String, Number, Bool, Null };

std::string_view scalar_kind(Scalar kind) {
  switch (kind) {
    case Scalar::String: return "a string";
    case Scalar::Number: return "a number";
    case Scalar::Bool: return "a boolean";
    case Scalar::Null: return "null";
  }
  return {};
}

std::string backticked(std::string_view text) {
  std::string out = "`";
  out += text;
  out += '`';
  return out;
}

std::string json_error_detail(rapidjson::ParseErrorCode code) {
  std::string_view what;
  switch (code) {
    case rapidjson::kParseErrorDocumentEmpty: what = "the document is empty"; break;
    case rapidjson::kParseErrorDocumentRootNotSingular: what = "unexpected text after the root value"; break;
    case rapidjson::kParseErrorValueInvalid: what = "expected a JSON value"; break;
    case rapidjson::kParseErrorObjectMissName: what = "expected a quoted key"; break;
    case rapidjson::kParseErrorObjectMissColon: what = "expected `:` after a key"; break;
    case rapidjson::kParseErrorObjectMissCommaOrCurlyBracket: what = "expected `,` or `}` after an object member"; break;
    case rapidjson::kParseErrorArrayMissCommaOrSquareBracket: what = "expected `,` or `]` after an array element"; break;
    case rapidjson::kParseErrorStringUnicodeEscapeInvalidHex: what = "invalid `\\u` escape"; break;
    case rapidjson::kParseErrorStringUnicodeSurrogateInvalid: what = "invalid UTF-16 surrogate in a `\\u` escape"; break;
    case rapidjson::kParseErrorStringEscapeInvalid: what = "invalid escape sequence"; break;
    case rapidjson::kParseErrorStringMissQuotationMark: what = "unterminated string"; break;
    case rapidjson::kParseErrorStringInvalidEncoding: what = "invalid UTF-8 or a control character in a string"; break;
    case rapidjson::kParseErrorNumberTooBig:
    case rapidjson::kParseErrorNumberMissFraction:
    case rapidjson::kParseErrorNumberMissExponent: what = "malformed number"; break;
    default: what = "malformed JSON"; break;
  }
  return "invalid JSON: " + std::string(what);
}

// "IAM and AWS STS quotas": white space is not counted (outside string literals,
// policy-semantics 1.9); a string literal counts every code point as written, its quotes and
// escapes included. For a text that parsed.
std::size_t counted_characters(std::string_view text) {
  std::size_t size = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p++);
    if (c == '"') {
      ++size;
      while (p < end) {
        const auto d = static_cast<unsigned char>(*p++);
        if (d == '"') {
          ++size;
          break;
        }
        if (d == '\\' && p < end) {
          ++size;
          ++p;  // the escaped character is ASCII
        }
        if ((d & 0xC0) != 0x80) ++size;
      }
    } else if ((c & 0xC0) != 0x80 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      ++size;
    }
  }
  return size;
}

// The document's copy of the text, read and decoded in place. (Not RapidJSON's
// InsituStringStream: the reader works on a local copy of a stream of that type and writes
// its position back only when a token is done, but the handler asks for the position while
// the reader is inside a token's call.)
struct InPlaceStream {
  using Ch = char;
  explicit InPlaceStream(char* text) : src_(text), head_(text) {}
  char Peek() const { return *src_; }
  char Take() { return *src_++; }
  std::size_t Tell() const { return static_cast<std::size_t>(src_ - head_); }
  void Put(char c) { *dst_++ = c; }
  char* PutBegin() { return dst_ = src_; }
  std::size_t PutEnd(char* begin) { return static_cast<std::size_t>(dst_ - begin); }
  void Flush() {}
  char* src_;
  char* dst_ = nullptr;
  char* head_;
};

// How many zero bytes follow the text in the document's copy: the string scanner below reads
// eight bytes at a time and stops at the first NUL.
constexpr std::size_t kPadding = 8;

}  // namespace
}  // namespace gatehouse::policy

// The reader's optional fast path for the unescaped run of a string (the SIMD variants exist
// only for RapidJSON's own streams): eight bytes at a time up to the first `"`, `\` or
// control character, which the reader then handles. Used by the non-validating (ASCII) parse.
template <>
template <>
inline void rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator>::
    ScanCopyUnescapedString<gatehouse::policy::InPlaceStream, gatehouse::policy::InPlaceStream>(
        gatehouse::policy::InPlaceStream& is, gatehouse::policy::InPlaceStream& os) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  char* src = is.src_;
  char* dst = os.dst_;
  for (;;) {
    std::uint64_t w;
    std::memcpy(&w, src, 8);
    const std::uint64_t quote = w ^ (kOnes * '"');
    const std::uint64_t backslash = w ^ (kOnes * '\\');
    if ((((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w)) & kHigh) break;
    if (dst != src) std::memmove(dst, src, 8);
    src += 8;
    dst += 8;
  }
  for (;;) {
    const auto c = static_cast<unsigned char>(*src);
    if (c == '"' || c == '\\' || c < 0x20) break;
    *dst++ = *src++;
  }
  is.src_ = src;
  os.dst_ = dst;
}

namespace gatehouse::policy {
namespace {

// A set of names as small as the condition blocks they come from are: a list searched in
// order, and a hash set once there are many.
class NameSet {
 public:
  void clear() {
    list_.clear();
    set_.clear();
  }
  // False when `name` was already in the set.
  bool insert(std::string_view name) {
    if (list_.size() < kListMax) {
      for (const std::string_view n : list_) {
        if (n == name) return false;
      }
      list_.push_back(name);
      if (list_.size() == kListMax) set_.insert(list_.begin(), list_.end());
      return true;
    }
    return set_.insert(name).second;
  }

 private:
  static constexpr std::size_t kListMax = 16;
  std::vector<std::string_view> list_;
  std::unordered_set<std::string_view> set_;
};

// The SAX handler. Each event either extends the Document or records the first
// shape error; after that error it accepts everything and builds nothing.
class DocumentBuilder {
 public:
  DocumentBuilder(std::string_view text, const InPlaceStream& stream, bool ascii)
      : text_(text), stream_(stream), lines_(text, ascii) {
    stack_.push_back(Frame{Ctx::Root, Position{1, 1}, {}});
  }

  bool Null() { return scalar(Scalar::Null, "null"); }
  bool Bool(bool b) { return scalar(Scalar::Bool, b ? "true" : "false"); }
  // kParseNumbersAsStringsFlag routes every number to RawNumber, whose text the document keeps;
  // these complete the handler concept and are never called.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  // The number's text is the `n` bytes before the reader's position (the reader hands a pointer
  // to that position in place mode, since it reads this stream itself and not a copy).
  bool RawNumber(const char*, rapidjson::SizeType n, bool) {
    return scalar(Scalar::Number, {stream_.head_ + (stream_.Tell() - n), n});
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(Scalar::String, {s, n}); }
  bool Key(const char* s, rapidjson::SizeType n, bool);
  bool StartObject();
  bool EndObject(rapidjson::SizeType);
  bool StartArray();
  bool EndArray(rapidjson::SizeType count);

  Result<Document, SyntaxError> finish(const rapidjson::ParseResult& result, std::shared_ptr<const char[]> storage);

 private:
  // Scalars and keys are reported after the reader consumed them; the token
  // starts at the first byte after the previous token that is not a separator.
  std::size_t token_start() const {
    std::size_t i = prev_end_;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ':') break;
      ++i;
    }
    return i;
  }

  void fail(std::string detail, Position pos, std::string path, bool invalid_json = false) {
    if (!error_) error_ = SyntaxError{std::move(detail), pos, std::move(path), invalid_json};
    skipping_ = true;
  }

  bool scalar(Scalar kind, std::string_view value);
  void top_scalar(Frame& f, Scalar kind, std::string_view value, Position pos);
  void statement_scalar(Frame& f, Scalar kind, std::string_view value, Position pos);
  void list_value(Frame& f, Scalar kind, std::string_view value, Position pos);
  void principal_value(const JsonPath& path, Scalar kind, std::string_view value, Position pos);
  void condition_value(const JsonPath& path, Scalar kind, std::string_view value, Position pos);

  void begin_statement(JsonPath path, Position open, std::size_t brace_end);
  void begin_list(Element e, bool was_array, Position open);
  ListElement& list_of(Element e);
  PrincipalElement& principal_of(Element e);
  JsonPath location() const;

  std::string_view text_;
  const InPlaceStream& stream_;
  LineCounter lines_;
  std::size_t prev_end_ = 0;
  std::vector<Frame> stack_;
  Document doc_;
  std::optional<SyntaxError> error_;
  bool skipping_ = false;

  // The element whose values are being read (Action..NotResource, Principal, NotPrincipal).
  Element list_element_ = Element::None;
  Element principal_element_ = Element::None;
  std::string_view principal_type_;
  unsigned principal_types_seen_ = 0;
  bool operator_known_ = false;
  NameSet operators_seen_;
  NameSet keys_seen_;
};

Statement& current(Document& doc) { return doc.statements.back(); }

ListElement& DocumentBuilder::list_of(Element e) {
  Statement& s = current(doc_);
  switch (e) {
    case Element::Action: return s.action;
    case Element::NotAction: return s.not_action;
    case Element::Resource: return s.resource;
    default: return s.not_resource;
  }
}

PrincipalElement& DocumentBuilder::principal_of(Element e) {
  return e == Element::Principal ? current(doc_).principal : current(doc_).not_principal;
}

JsonPath DocumentBuilder::location() const {
  if (stack_.empty()) return {};
  const Frame& f = stack_.back();
  if ((f.ctx == Ctx::Top || f.ctx == Ctx::Statement) && f.pending != Element::None) {
    return member(f.path, element_name(f.pending));
  }
  return f.path;
}

void DocumentBuilder::begin_statement(JsonPath path, Position open, std::size_t brace_end) {
  Statement& s = doc_.statements.emplace_back();
  s.path = path;
  s.start = lines_.at(brace_end);
  stack_.push_back(Frame{Ctx::Statement, open, std::move(path)});
}

void DocumentBuilder::begin_list(Element e, bool was_array, Position open) {
  ListElement& list = list_of(e);
  list.was_array = was_array;
  list_element_ = e;
  if (was_array) stack_.push_back(Frame{Ctx::List, open, list.path});
}

bool DocumentBuilder::scalar(Scalar kind, std::string_view value) {
  if (skipping_) return true;
  const Position pos = lines_.at(token_start());
  Frame& f = stack_.back();
  switch (f.ctx) {
    case Ctx::Root:
      fail("the document's root is " + std::string(scalar_kind(kind)) + ", not an object", pos, "", true);
      break;
    case Ctx::Top: top_scalar(f, kind, value, pos); break;
    case Ctx::StatementList:
      fail("`Statement` array members must be objects, not " + std::string(scalar_kind(kind)), pos,
           indexed(f.path, f.next_index));
      break;
    case Ctx::Statement: statement_scalar(f, kind, value, pos); break;
    case Ctx::List: list_value(f, kind, value, pos); break;
    case Ctx::PrincipalMap: principal_value(member(f.path, principal_type_), kind, value, pos); break;
    case Ctx::PrincipalList: principal_value(indexed(f.path, f.next_index++), kind, value, pos); break;
    case Ctx::ConditionMap:
      fail("the value of condition operator `" + std::string(current(doc_).conditions.back().op.value) +
               "` must be an object, not " + std::string(scalar_kind(kind)),
           pos, current(doc_).conditions.back().op.path);
      break;
    case Ctx::OperatorMap: {
      ConditionKey& key = current(doc_).conditions.back().keys.back();
      condition_value(key.key.path, kind, value, pos);
      break;
    }
    case Ctx::ValueList: condition_value(indexed(f.path, f.next_index++), kind, value, pos); break;
    case Ctx::Done: break;
  }
  prev_end_ = stream_.Tell();
  return true;
}

void DocumentBuilder::top_scalar(Frame& f, Scalar kind, std::string_view value, Position pos) {
  const JsonPath path = JsonPath::top(element_name(f.pending));
  switch (f.pending) {
    case Element::Version:
      if (kind != Scalar::String) {
        fail("`Version` must be a string, not " + std::string(scalar_kind(kind)), pos, path);
      } else if (value == kVersion2012 || value == kVersion2008) {
        doc_.version = value == kVersion2012 ? PolicyVersion::V2012_10_17 : PolicyVersion::V2008_10_17;
        doc_.version_text = Located{value, pos, path};
      } else {
        // "IAM JSON policy elements: Version": only the two published versions exist.
        fail("unsupported Version " + backticked(value) + " (use `2012-10-17`)", pos, path);
      }
      break;
    case Element::Id:
      if (kind != Scalar::String) fail("`Id` must be a string, not " + std::string(scalar_kind(kind)), pos, path);
      else doc_.id = Located{value, pos, path};
      break;
    default:
      fail("`Statement` must be an object or an array of objects, not " + std::string(scalar_kind(kind)), pos, path);
      break;
  }
  f.pending = Element::None;
}

void DocumentBuilder::statement_scalar(Frame& f, Scalar kind, std::string_view value, Position pos) {
  Statement& s = current(doc_);
  const Element e = f.pending;
  f.pending = Element::None;
  const JsonPath path = member(f.path, element_name(e));
  const std::string kind_text(scalar_kind(kind));  // short: no allocation
  switch (e) {
    case Element::Sid:
      if (kind != Scalar::String) fail("`Sid` must be a string, not " + kind_text, pos, path);
      else s.sid = Located{value, pos, path};
      break;
    case Element::Effect:
      if (kind != Scalar::String) {
        fail("`Effect` must be a string, not " + kind_text, pos, path);
      } else if (!equals_ignore_case(value, "Allow") && !equals_ignore_case(value, "Deny")) {
        fail("`Effect` must be `Allow` or `Deny`, not " + backticked(value), pos, path);
      } else {
        s.effect = Located{value, pos, path};
      }
      break;
    case Element::Action:
    case Element::NotAction:
    case Element::Resource:
    case Element::NotResource:
      begin_list(e, false, pos);
      list_value(f, kind, value, pos);
      break;
    case Element::Principal:
    case Element::NotPrincipal:
      if (kind == Scalar::String && value == "*") {
        principal_of(e).wildcard = true;
      } else {
        fail("`" + std::string(element_name(e)) + "` must be \"*\" or an object of principal types, not " +
                 (kind == Scalar::String ? backticked(value) : kind_text),
             pos, path);
      }
      break;
    default:
      fail("`Condition` must be an object, not " + kind_text, pos, path);
      break;
  }
}

void DocumentBuilder::list_value(Frame& f, Scalar kind, std::string_view value, Position pos) {
  ListElement& list = list_of(list_element_);
  const bool in_array = f.ctx == Ctx::List;
  const JsonPath path = in_array ? indexed(list.path, f.next_index++) : list.path;
  const bool resource_like = list_element_ == Element::Resource || list_element_ == Element::NotResource;
  if (kind == Scalar::String) {
    list.values.push_back(Located{value, pos, path});
  } else if (kind == Scalar::Null && resource_like && in_array) {
    // "Resource": ["arn:...", null] is accepted and the null ignored (moto's AWS-recorded valid list).
  } else {
    fail("`" + std::string(element_name(list_element_)) + "` values must be strings, not " +
             std::string(scalar_kind(kind)),
         pos, path);
  }
}

void DocumentBuilder::principal_value(const JsonPath& path, Scalar kind, std::string_view value, Position pos) {
  if (kind != Scalar::String) {
    fail("principal values must be strings, not " + std::string(scalar_kind(kind)), pos, path);
    return;
  }
  principal_of(principal_element_).values.push_back(PrincipalValue{principal_type_, Located{value, pos, path}});
}

void DocumentBuilder::condition_value(const JsonPath& path, Scalar kind, std::string_view value, Position pos) {
  if (kind == Scalar::Null) {
    fail("condition values must be strings, numbers or booleans, not null", pos, path);
    return;
  }
  current(doc_).conditions.back().keys.back().values.push_back(Located{value, pos, path});
}

bool DocumentBuilder::Key(const char* s, rapidjson::SizeType n, bool) {
  if (skipping_) return true;
  const std::string_view name(s, n);
  const Position pos = lines_.at(token_start());
  Frame& f = stack_.back();
  switch (f.ctx) {
    case Ctx::Top:
    case Ctx::Statement: {
      const bool top = f.ctx == Ctx::Top;
      Element e = Element::None;
      for (const auto& candidate : top ? std::span<const ElementName>(kTopElements)
                                       : std::span<const ElementName>(kStatementElements)) {
        if (candidate.name == name) e = candidate.element;
      }
      const JsonPath path = member(f.path, name);
      if (e == Element::None) {
        // Element names are case-sensitive: "effect" is as unknown as "Extra field".
        fail(std::string(top ? "unknown top-level element " : "unknown statement element ") + backticked(name), pos,
             path);
      } else if (f.seen & element_bit(e)) {
        fail("duplicate key " + backticked(name), pos, path);
      } else if (counterpart(e) != Element::None && (f.seen & element_bit(counterpart(e)))) {
        fail(backticked(name) + " cannot appear together with " + backticked(element_name(counterpart(e))), pos, path);
      } else {
        f.seen |= element_bit(e);
        f.pending = e;
        if (!top) {
          Statement& st = current(doc_);
          switch (e) {
            case Element::Action: case Element::NotAction: case Element::Resource: case Element::NotResource: {
              ListElement& list = list_of(e);
              list.present = true;
              list.pos = pos;
              list.path = path;
              break;
            }
            case Element::Principal: case Element::NotPrincipal: {
              PrincipalElement& p = principal_of(e);
              p.present = true;
              p.pos = pos;
              p.path = path;
              break;
            }
            case Element::Condition: st.has_condition = true; break;
            default: break;
          }
        }
      }
      break;
    }
    case Ctx::PrincipalMap: {
      std::size_t index = kPrincipalTypes.size();
      for (std::size_t i = 0; i < kPrincipalTypes.size(); ++i) {
        if (kPrincipalTypes[i] == name) index = i;
      }
      const JsonPath path = member(f.path, name);
      if (index == kPrincipalTypes.size()) {
        fail("unknown principal type " + backticked(name) + " (use AWS, Service, Federated or CanonicalUser)", pos, path);
      } else if (principal_types_seen_ & (1u << index)) {
        fail("duplicate key " + backticked(name), pos, path);
      } else {
        principal_types_seen_ |= 1u << index;
        principal_type_ = kPrincipalTypes[index];
      }
      break;
    }
    case Ctx::ConditionMap: {
      const JsonPath path = member(f.path, name);
      if (!operators_seen_.insert(name)) {
        fail("duplicate key " + backticked(name), pos, path);
        break;
      }
      ConditionBlock& block = current(doc_).conditions.emplace_back();
      block.op = Located{name, pos, path};
      operator_known_ = parse_operator(name).has_value();
      break;
    }
    case Ctx::OperatorMap: {
      const ConditionBlock& block = current(doc_).conditions.back();
      const JsonPath path = member(f.path, name);
      if (!operator_known_) {
        // "IAM JSON policy elements: Condition operators": an unknown operator is tolerated only with no keys.
        fail("unknown condition operator " + backticked(block.op.value), block.op.pos, block.op.path);
      } else if (!keys_seen_.insert(name)) {
        fail("duplicate key " + backticked(name), pos, path);
      } else {
        ConditionKey& key = current(doc_).conditions.back().keys.emplace_back();
        key.key = Located{name, pos, path};
      }
      break;
    }
    default:
      break;  // INVARIANT: keys only occur inside objects, and every object frame is handled above.
  }
  prev_end_ = stream_.Tell();
  return true;
}

bool DocumentBuilder::StartObject() {
  if (skipping_) return true;
  // Structural events arrive before the reader consumes the brace.
  const std::size_t brace = stream_.Tell();
  const Position pos = lines_.at(brace);
  Frame& f = stack_.back();
  const JsonPath here = location();
  switch (f.ctx) {
    case Ctx::Root:
      f.ctx = Ctx::Done;
      stack_.push_back(Frame{Ctx::Top, pos, {}});
      break;
    case Ctx::Top:
      if (f.pending == Element::Statement) {
        f.pending = Element::None;
        doc_.statement_is_array = false;
        begin_statement(JsonPath::statement(JsonPath::kStatementObject), pos, brace + 1);
      } else {
        fail("`" + std::string(element_name(f.pending)) + "` must be a string, not an object", pos, here);
      }
      break;
    case Ctx::StatementList:
      begin_statement(JsonPath::statement(static_cast<std::int32_t>(f.next_index++)), pos, brace + 1);
      break;
    case Ctx::Statement: {
      const Element e = f.pending;
      f.pending = Element::None;
      if (e == Element::Principal || e == Element::NotPrincipal) {
        principal_element_ = e;
        principal_types_seen_ = 0;
        stack_.push_back(Frame{Ctx::PrincipalMap, pos, here});
      } else if (e == Element::Condition) {
        operators_seen_.clear();
        stack_.push_back(Frame{Ctx::ConditionMap, pos, here});
      } else {
        fail("`" + std::string(element_name(e)) + "` must not be an object", pos, here);
      }
      break;
    }
    case Ctx::ConditionMap:
      keys_seen_.clear();
      stack_.push_back(Frame{Ctx::OperatorMap, pos, current(doc_).conditions.back().op.path});
      break;
    case Ctx::OperatorMap:
      fail("condition values must be strings, numbers, booleans or an array of them, not an object", pos,
           current(doc_).conditions.back().keys.back().key.path);
      break;
    case Ctx::List:
      fail("`" + std::string(element_name(list_element_)) + "` values must be strings, not objects", pos,
           indexed(f.path, f.next_index));
      break;
    case Ctx::PrincipalMap:
    case Ctx::PrincipalList:
      fail("principal values must be strings, not objects", pos,
           f.ctx == Ctx::PrincipalMap ? member(f.path, principal_type_) : indexed(f.path, f.next_index));
      break;
    case Ctx::ValueList:
      fail("condition values must be strings, numbers or booleans, not objects", pos, indexed(f.path, f.next_index));
      break;
    case Ctx::Done:
      break;
  }
  prev_end_ = brace + 1;
  return true;
}

bool DocumentBuilder::EndObject(rapidjson::SizeType) {
  if (skipping_) return true;
  const std::size_t brace = stream_.Tell();
  const Frame f = stack_.back();
  stack_.pop_back();
  switch (f.ctx) {
    case Ctx::Top:
      if (!(f.seen & element_bit(Element::Statement))) fail("missing `Statement`", f.open, "");
      break;
    case Ctx::Statement:
      if (!(f.seen & element_bit(Element::Effect))) fail("missing `Effect`", f.open, f.path);
      else current(doc_).end = lines_.at(brace + 1);
      break;
    case Ctx::PrincipalMap:
      if (principal_types_seen_ == 0) {
        fail("`" + std::string(element_name(principal_element_)) + "` must name at least one principal type", f.open,
             f.path);
      }
      break;
    default:
      break;
  }
  prev_end_ = brace + 1;
  return true;
}

bool DocumentBuilder::StartArray() {
  if (skipping_) return true;
  const std::size_t bracket = stream_.Tell();
  const Position pos = lines_.at(bracket);
  Frame& f = stack_.back();
  const JsonPath here = location();
  switch (f.ctx) {
    case Ctx::Root:
      fail("the document's root is an array, not an object", pos, "", true);
      break;
    case Ctx::Top: {
      const Element e = f.pending;
      f.pending = Element::None;
      if (e == Element::Statement) {
        doc_.statement_is_array = true;
        stack_.push_back(Frame{Ctx::StatementList, pos, JsonPath::top("Statement")});
      } else {
        fail("`" + std::string(element_name(e)) + "` must be a string, not an array", pos, here);
      }
      break;
    }
    case Ctx::Statement: {
      const Element e = f.pending;
      f.pending = Element::None;
      switch (e) {
        case Element::Action: case Element::NotAction: case Element::Resource: case Element::NotResource:
          begin_list(e, true, pos);
          break;
        default:
          fail("`" + std::string(element_name(e)) + "` must not be an array", pos, here);
          break;
      }
      break;
    }
    case Ctx::PrincipalMap:
      stack_.push_back(Frame{Ctx::PrincipalList, pos, member(f.path, principal_type_)});
      break;
    case Ctx::OperatorMap: {
      ConditionKey& key = current(doc_).conditions.back().keys.back();
      key.was_array = true;
      stack_.push_back(Frame{Ctx::ValueList, pos, key.key.path});
      break;
    }
    case Ctx::ConditionMap:
      fail("the value of condition operator `" + std::string(current(doc_).conditions.back().op.value) +
               "` must be an object, not an array",
           pos, current(doc_).conditions.back().op.path);
      break;
    case Ctx::StatementList:
      fail("`Statement` array members must be objects, not arrays", pos, indexed(f.path, f.next_index));
      break;
    case Ctx::List:
    case Ctx::PrincipalList:
    case Ctx::ValueList:
      fail("nested arrays are not allowed", pos, indexed(f.path, f.next_index));
      break;
    case Ctx::Done:
      break;
  }
  prev_end_ = bracket + 1;
  return true;
}

bool DocumentBuilder::EndArray(rapidjson::SizeType count) {
  if (skipping_) return true;
  const std::size_t bracket = stream_.Tell();
  const Frame f = stack_.back();
  stack_.pop_back();
  if (f.ctx == Ctx::StatementList && count == 0) fail("`Statement` must not be empty", f.open, f.path);
  prev_end_ = bracket + 1;
  return true;
}

Result<Document, SyntaxError> DocumentBuilder::finish(const rapidjson::ParseResult& result,
                                                      std::shared_ptr<const char[]> storage) {
  if (result.IsError()) {
    const std::string path = skipping_ ? (error_ ? error_->path : std::string()) : location().str();
    std::string detail = json_error_detail(result.Code());
    // The reader takes a leading NUL byte for the end of the input.
    if (result.Code() == rapidjson::kParseErrorDocumentEmpty &&
        text_.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      detail = json_error_detail(rapidjson::kParseErrorValueInvalid);
    }
    return SyntaxError{std::move(detail), lines_.at(result.Offset()), path, true};
  }
  // The reader treats a NUL byte as the end of the input; text after it is not JSON.
  if (stream_.Tell() < text_.size()) {
    return SyntaxError{json_error_detail(rapidjson::kParseErrorDocumentRootNotSingular), lines_.at(stream_.Tell()), "",
                       true};
  }
  if (error_) return std::move(*error_);
  doc_.size = counted_characters(text_);
  doc_.storage = std::move(storage);
  return std::move(doc_);
}

}  // namespace

JsonPath JsonPath::member(std::string_view name) const {
  JsonPath p = *this;
  if (p.count_ < p.names_.size()) p.names_[p.count_++] = name;
  return p;
}

std::string JsonPath::str() const {
  std::string out;
  if (statement_ != kNone) {
    out = "Statement";
    if (statement_ >= 0) {
      out += '[';
      out += std::to_string(statement_);
      out += ']';
    }
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (!out.empty()) out += '.';
    out += names_[i];
  }
  if (index_ >= 0) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
  }
  return out;
}

Result<Document, SyntaxError> parse_document(std::string_view text) {
  // The document's own copy of the text, NUL-terminated; strings are decoded in place in it.
  std::shared_ptr<char[]> storage = std::make_shared<char[]>(text.size() + 1 + kPadding);
  if (!text.empty()) std::memcpy(storage.get(), text.data(), text.size());
  InPlaceStream stream(storage.get());
  const bool ascii = is_ascii(text);
  DocumentBuilder builder(text, stream, ascii);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result =
      ascii ? reader.Parse<kParseFlags>(stream, builder) : reader.Parse<kParseFlagsValidating>(stream, builder);
  return builder.finish(result, std::move(storage));
}

}  // namespace gatehouse::policy
