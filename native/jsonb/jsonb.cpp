// The JSONB encoder (a strict RFC 8259 parser that writes the binary format described in
// jsonb.hpp) and the decoders that read it: text output, path access, containment and
// equality. The encoder parses iteratively into a flat, per-thread reusable list of nodes,
// sizes every container bottom-up when it closes, and then writes each byte once at its
// final position, so nesting costs neither stack nor repeated copying. Decoders recurse at
// most kMaxDepth levels and check every offset before they use it.
#include "jsonb/jsonb.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <locale>
#include <sstream>

namespace replaydb::jsonb {

JsonParseError::JsonParseError(const std::string& message, size_t error_offset)
    : std::runtime_error(message), offset(error_offset) {}

namespace {

// ---------------------------------------------------------------------------------------
// Shared format details

constexpr uint8_t kKindMask = 0x0F;
constexpr unsigned kWidthCodeShift = 4;
constexpr size_t kMaxVarintBytes = 5;  // a uint32 in LEB128

uint8_t tag_for(Kind kind, unsigned width_code = 0) {
  return uint8_t(uint8_t(kind) | (width_code << kWidthCodeShift));
}

/** The smallest offset width code (0: 1 byte, 1: 2 bytes, 2: 4 bytes) that holds `size`. */
unsigned width_code_for(uint64_t data_size) {
  if (data_size <= 0xFF) return 0;
  if (data_size <= 0xFFFF) return 1;
  return 2;
}

size_t varint_length(uint32_t value) {
  size_t length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

bool is_container(Kind kind) { return kind == Kind::Array || kind == Kind::Object; }

/** Keys order by byte length, then bytewise: Postgres jsonb's order. */
int compare_keys(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  if (a.empty()) return 0;
  return std::memcmp(a.data(), b.data(), a.size());
}

/** Length of the valid UTF-8 sequence at `bytes` (at most `available` bytes), or 0 when
 *  it is not one: overlong forms, UTF-16 surrogates and code points above U+10FFFF are
 *  invalid, as RFC 3629 says. */
size_t utf8_sequence_length(const unsigned char* bytes, size_t available) {
  unsigned char lead = bytes[0];
  if (lead < 0x80) return 1;
  auto continuation = [&](size_t i, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return i < available && bytes[i] >= low && bytes[i] <= high;
  };
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  if (lead == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (lead == 0xF0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3) return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead == 0xF4) return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(char(code_point));
  } else if (code_point < 0x800) {
    out.push_back(char(0xC0 | (code_point >> 6)));
    out.push_back(char(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(char(0xE0 | (code_point >> 12)));
    out.push_back(char(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(char(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (code_point >> 18)));
    out.push_back(char(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(char(0x80 | (code_point & 0x3F)));
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/** Bytes that stand for themselves inside a JSON string, in input and in output: printable
 *  ASCII other than '"' and '\\'. Everything else needs escaping or UTF-8 validation. */
struct PlainStringBytes {
  bool plain[256] = {};
  constexpr PlainStringBytes() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainStringBytes kPlainStringBytes;

bool is_plain_string_byte(unsigned char c) { return kPlainStringBytes.plain[c]; }

/** Length of the RFC 8259 number at the start of `text` (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?),
 *  or, when it is malformed, the negated 1-based position of the first offending byte
 *  (the text's length + 1 when it ends too early). */
int64_t scan_number(std::string_view text, size_t start) {
  size_t p = start;
  auto failure = [&]() { return -int64_t(p - start + 1); };
  if (p < text.size() && text[p] == '-') ++p;
  if (p >= text.size() || !is_digit(text[p])) return failure();
  if (text[p] == '0') {
    ++p;
  } else {
    while (p < text.size() && is_digit(text[p])) ++p;
  }
  if (p < text.size() && text[p] == '.') {
    ++p;
    if (p >= text.size() || !is_digit(text[p])) return failure();
    while (p < text.size() && is_digit(text[p])) ++p;
  }
  if (p < text.size() && (text[p] == 'e' || text[p] == 'E')) {
    ++p;
    if (p < text.size() && (text[p] == '+' || text[p] == '-')) ++p;
    if (p >= text.size() || !is_digit(text[p])) return failure();
    while (p < text.size() && is_digit(text[p])) ++p;
  }
  return int64_t(p - start);
}

// ---------------------------------------------------------------------------------------
// Encoder

/** One parsed value. Nodes are kept in preorder; an object's children are its pairs in
 *  input order, each a String node for the key followed by the value's subtree. */
struct ParsedNode {
  Kind kind = Kind::Null;
  bool bytes_in_unescaped = false;  // String: payload lives in EncoderScratch::unescaped
  uint8_t width_code = 0;           // containers: offset width code
  uint32_t bytes_begin = 0;         // Number: span of the input; String: see above
  uint32_t bytes_length = 0;
  uint32_t subtree_nodes = 1;  // this node and all of its descendants
  uint32_t member_count = 0;   // Array: elements; Object: pairs left after duplicates
  uint32_t order_begin = 0;    // Object: its first entry in EncoderScratch::pair_order
  uint32_t encoded_size = 0;
};

struct OpenContainer {
  uint32_t node;
  uint32_t member_count;
};

struct WriteJob {
  uint32_t node;
  size_t position;
};

/** Buffers reused by every encode() on a thread, so encoding allocates nothing once warm. */
struct EncoderScratch {
  std::vector<ParsedNode> nodes;
  std::string unescaped;
  std::vector<uint32_t> pair_order;  // per object: its key nodes, sorted, duplicates removed
  std::vector<OpenContainer> open;   // containers being parsed, outermost first
  std::vector<WriteJob> write_jobs;

  void clear() {
    nodes.clear();
    unescaped.clear();
    pair_order.clear();
    open.clear();
    write_jobs.clear();
  }
  /** Gives back memory that one unusually large document made the buffers hold. */
  void trim() {
    constexpr size_t kKeepBytes = size_t(1) << 20;
    if (nodes.capacity() * sizeof(ParsedNode) > kKeepBytes) std::vector<ParsedNode>().swap(nodes);
    if (unescaped.capacity() > kKeepBytes) std::string().swap(unescaped);
    if (pair_order.capacity() * sizeof(uint32_t) > kKeepBytes) std::vector<uint32_t>().swap(pair_order);
    if (write_jobs.capacity() * sizeof(WriteJob) > kKeepBytes) std::vector<WriteJob>().swap(write_jobs);
  }
};

class Encoder {
 public:
  Encoder(std::string_view text, EncoderScratch& scratch) : text_(text), scratch_(scratch) {}

  void encode(std::string& out) {
    if (text_.size() >= std::numeric_limits<uint32_t>::max()) fail("JSON text of 4 GiB or more", 0);
    parse();
    write(out);
  }

 private:
  [[noreturn]] void fail(const char* message, size_t offset) const { throw JsonParseError(message, offset); }

  unsigned char byte_at(size_t position) const { return static_cast<unsigned char>(text_[position]); }

  void skip_whitespace() {
    while (position_ < text_.size()) {
      char c = text_[position_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++position_;
    }
  }

  std::string_view node_bytes(const ParsedNode& node) const {
    if (node.bytes_in_unescaped) {
      return std::string_view(scratch_.unescaped).substr(node.bytes_begin, node.bytes_length);
    }
    return text_.substr(node.bytes_begin, node.bytes_length);
  }

  // Fills scratch_.nodes with the preorder nodes of the one value in the text.
  void parse() {
    skip_whitespace();
    for (;;) {
      if (!parse_value_start()) continue;  // a non-empty container opened: its first member follows
      // A value has just been completed inside the innermost open container, if any.
      for (;;) {
        skip_whitespace();
        if (scratch_.open.empty()) {
          if (position_ != text_.size()) fail("unexpected character after the JSON value", position_);
          return;
        }
        OpenContainer& top = scratch_.open.back();
        ++top.member_count;
        bool in_object = scratch_.nodes[top.node].kind == Kind::Object;
        if (position_ >= text_.size()) fail("unexpected end of input", position_);
        char c = text_[position_];
        if (c == ',') {
          ++position_;
          skip_whitespace();
          if (in_object) parse_key();
          break;
        }
        if (c == (in_object ? '}' : ']')) {
          ++position_;
          close_container();
          continue;
        }
        fail(in_object ? "expected ',' or '}' in object" : "expected ',' or ']' in array", position_);
      }
    }
  }

  // Parses a scalar or opens a container at position_. Returns true when a whole value
  // was read (a scalar or an empty container), false when a container member must follow.
  bool parse_value_start() {
    if (position_ >= text_.size()) fail("unexpected end of input, expected a JSON value", position_);
    char c = text_[position_];
    switch (c) {
      case '{':
      case '[': {
        if (scratch_.open.size() >= kMaxDepth) fail("JSON nested deeper than 1000 levels", position_);
        bool is_object = c == '{';
        ParsedNode node;
        node.kind = is_object ? Kind::Object : Kind::Array;
        scratch_.open.push_back({uint32_t(scratch_.nodes.size()), 0});
        scratch_.nodes.push_back(node);
        ++position_;
        skip_whitespace();
        if (position_ < text_.size() && text_[position_] == (is_object ? '}' : ']')) {
          ++position_;
          close_container();
          return true;
        }
        if (is_object) parse_key();
        return false;
      }
      case '"':
        push_string();
        return true;
      case 't':
        push_literal("true", Kind::True);
        return true;
      case 'f':
        push_literal("false", Kind::False);
        return true;
      case 'n':
        push_literal("null", Kind::Null);
        return true;
      default:
        if (c == '-' || is_digit(c)) {
          push_number();
          return true;
        }
        fail("expected a JSON value", position_);
    }
  }

  void parse_key() {
    if (position_ >= text_.size()) fail("unexpected end of input, expected an object key", position_);
    if (text_[position_] != '"') fail("expected a string as object key", position_);
    push_string();
    skip_whitespace();
    if (position_ >= text_.size()) fail("unexpected end of input, expected ':'", position_);
    if (text_[position_] != ':') fail("expected ':' after object key", position_);
    ++position_;
    skip_whitespace();
  }

  void push_literal(std::string_view literal, Kind kind) {
    for (size_t i = 0; i < literal.size(); ++i) {
      if (position_ + i >= text_.size() || text_[position_ + i] != literal[i]) {
        fail("invalid literal, expected true, false or null", position_ + i);
      }
    }
    position_ += literal.size();
    ParsedNode node;
    node.kind = kind;
    node.encoded_size = 1;
    scratch_.nodes.push_back(node);
  }

  void push_number() {
    int64_t length = scan_number(text_, position_);
    if (length < 0) fail("invalid number", position_ + size_t(-length) - 1);
    ParsedNode node;
    node.kind = Kind::Number;
    node.bytes_begin = uint32_t(position_);
    node.bytes_length = uint32_t(length);
    node.encoded_size = uint32_t(1 + length);
    position_ += size_t(length);
    scratch_.nodes.push_back(node);
  }

  // Reads the string whose opening quote is at position_. Strings without escapes stay
  // views of the input; the others are unescaped into scratch_.unescaped.
  void push_string() {
    const size_t start = position_ + 1;
    size_t p = start;
    ParsedNode node;
    node.kind = Kind::String;
    for (;;) {
      while (p < text_.size() && is_plain_string_byte(byte_at(p))) ++p;
      if (p >= text_.size()) fail("unterminated string", p);
      unsigned char c = byte_at(p);
      if (c == '"') {
        node.bytes_begin = uint32_t(start);
        node.bytes_length = uint32_t(p - start);
        break;
      }
      if (c == '\\') {
        p = unescape_rest(start, p, node);
        break;
      }
      p = skip_plain_byte(p);
    }
    position_ = p + 1;
    node.encoded_size = node.bytes_length + 1;
    scratch_.nodes.push_back(node);
  }

  // Steps over one unescaped character at p (ASCII or a whole UTF-8 sequence).
  size_t skip_plain_byte(size_t p) const {
    unsigned char c = byte_at(p);
    if (c < 0x20) fail("control character in string must be escaped", p);
    if (c < 0x80) return p + 1;
    size_t length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(text_.data()) + p, text_.size() - p);
    if (length == 0) fail("invalid UTF-8 in string", p);
    return p + length;
  }

  // Unescapes the string from `start`, whose first backslash is at p; returns the
  // position of the closing quote.
  size_t unescape_rest(size_t start, size_t p, ParsedNode& node) {
    std::string& unescaped = scratch_.unescaped;
    const size_t begin = unescaped.size();
    unescaped.append(text_.data() + start, p - start);
    for (;;) {
      if (p >= text_.size()) fail("unterminated string", p);
      unsigned char c = byte_at(p);
      if (c == '"') break;
      if (c == '\\') {
        p = unescape_one(p);
        continue;
      }
      size_t run_start = p;
      while (p < text_.size() && byte_at(p) != '"' && byte_at(p) != '\\') p = skip_plain_byte(p);
      unescaped.append(text_.data() + run_start, p - run_start);
    }
    node.bytes_in_unescaped = true;
    node.bytes_begin = uint32_t(begin);
    node.bytes_length = uint32_t(unescaped.size() - begin);
    return p;
  }

  // Appends the character of the escape whose backslash is at p; returns the position after it.
  size_t unescape_one(size_t p) {
    std::string& unescaped = scratch_.unescaped;
    if (p + 1 >= text_.size()) fail("unterminated string", p + 1);
    char c = text_[p + 1];
    switch (c) {
      case '"': unescaped.push_back('"'); return p + 2;
      case '\\': unescaped.push_back('\\'); return p + 2;
      case '/': unescaped.push_back('/'); return p + 2;
      case 'b': unescaped.push_back('\b'); return p + 2;
      case 'f': unescaped.push_back('\f'); return p + 2;
      case 'n': unescaped.push_back('\n'); return p + 2;
      case 'r': unescaped.push_back('\r'); return p + 2;
      case 't': unescaped.push_back('\t'); return p + 2;
      case 'u': break;
      default: fail("invalid escape sequence in string", p + 1);
    }
    uint32_t code_point = read_hex4(p + 2);
    size_t next = p + 6;
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      if (next + 1 >= text_.size() || text_[next] != '\\' || text_[next + 1] != 'u') {
        fail("a high surrogate must be followed by a \\u low surrogate", next);
      }
      uint32_t low = read_hex4(next + 2);
      if (low < 0xDC00 || low > 0xDFFF) fail("a high surrogate must be followed by a \\u low surrogate", next);
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
      next += 6;
    } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
      fail("a low surrogate must follow a high surrogate", p);
    }
    append_utf8(unescaped, code_point);
    return next;
  }

  uint32_t read_hex4(size_t p) const {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
      if (p + i >= text_.size()) fail("unterminated \\u escape", p + i);
      char c = text_[p + i];
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = uint32_t(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = uint32_t(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = uint32_t(c - 'A' + 10);
      } else {
        fail("expected a hexadecimal digit in \\u escape", p + i);
      }
      value = value * 16 + digit;
    }
    return value;
  }

  // The container at the top of scratch_.open has just read its closing bracket (the byte
  // before position_): sort and deduplicate an object's keys, then size the container.
  void close_container() {
    const OpenContainer top = scratch_.open.back();
    scratch_.open.pop_back();
    std::vector<ParsedNode>& nodes = scratch_.nodes;
    nodes[top.node].subtree_nodes = uint32_t(nodes.size() - top.node);
    uint64_t data_size = 0;
    uint64_t entries = 0;
    if (nodes[top.node].kind == Kind::Array) {
      uint32_t child = top.node + 1;
      for (uint32_t i = 0; i < top.member_count; ++i) {
        data_size += nodes[child].encoded_size;
        child += nodes[child].subtree_nodes;
      }
      nodes[top.node].member_count = top.member_count;
      entries = top.member_count;
    } else {
      std::vector<uint32_t>& order = scratch_.pair_order;
      const size_t order_begin = order.size();
      uint32_t key = top.node + 1;
      for (uint32_t i = 0; i < top.member_count; ++i) {
        order.push_back(key);
        key += 1 + nodes[key + 1].subtree_nodes;
      }
      auto key_of = [&](uint32_t node) { return node_bytes(nodes[node]); };
      // Equal keys stay in input order, so the last of each run is the one that wins.
      std::sort(order.begin() + order_begin, order.end(), [&](uint32_t a, uint32_t b) {
        int comparison = compare_keys(key_of(a), key_of(b));
        return comparison != 0 ? comparison < 0 : a < b;
      });
      size_t kept = order_begin;
      for (size_t i = order_begin; i < order.size(); ++i) {
        if (i + 1 < order.size() && key_of(order[i]) == key_of(order[i + 1])) continue;
        order[kept++] = order[i];
      }
      order.resize(kept);
      for (size_t i = order_begin; i < kept; ++i) {
        data_size += uint64_t(nodes[order[i]].bytes_length) + nodes[order[i] + 1].encoded_size;
      }
      nodes[top.node].member_count = uint32_t(kept - order_begin);
      nodes[top.node].order_begin = uint32_t(order_begin);
      entries = uint64_t(nodes[top.node].member_count) * 2;
    }
    ParsedNode& node = nodes[top.node];
    node.width_code = uint8_t(width_code_for(data_size));
    uint64_t size = 1 + varint_length(node.member_count) + (entries << node.width_code) + data_size;
    if (size > std::numeric_limits<uint32_t>::max()) fail("JSON container encodes to 4 GiB or more", position_ - 1);
    node.encoded_size = uint32_t(size);
  }

  // Writes the parsed value, each byte once, at the end of `out`.
  void write(std::string& out) {
    const size_t base = out.size();
    out.resize(base + scratch_.nodes[0].encoded_size);
    char* destination = &out[0];
    std::vector<WriteJob>& jobs = scratch_.write_jobs;
    jobs.push_back({0, base});
    while (!jobs.empty()) {
      const WriteJob job = jobs.back();
      jobs.pop_back();
      const ParsedNode& node = scratch_.nodes[job.node];
      char* at = destination + job.position;
      if (!is_container(node.kind)) {
        write_scalar(node, at);
        continue;
      }
      at[0] = char(tag_for(node.kind, node.width_code));
      size_t header = 1;
      uint32_t count = node.member_count;
      do {
        uint8_t low_bits = count & 0x7F;
        count >>= 7;
        at[header++] = char(count ? (low_bits | 0x80) : low_bits);
      } while (count);
      const size_t width = size_t(1) << node.width_code;
      const size_t table = job.position + header;
      const size_t entries = node.kind == Kind::Object ? size_t(node.member_count) * 2 : node.member_count;
      const size_t data = table + entries * width;
      uint32_t end = 0;
      if (node.kind == Kind::Array) {
        uint32_t child = job.node + 1;
        for (size_t i = 0; i < node.member_count; ++i) {
          write_member(child, destination, data + end);
          end += scratch_.nodes[child].encoded_size;
          put_offset(destination + table + i * width, end, width);
          child += scratch_.nodes[child].subtree_nodes;
        }
        continue;
      }
      const uint32_t* pairs = scratch_.pair_order.data() + node.order_begin;
      for (size_t i = 0; i < node.member_count; ++i) {
        std::string_view key = node_bytes(scratch_.nodes[pairs[i]]);
        if (!key.empty()) std::memcpy(destination + data + end, key.data(), key.size());
        end += uint32_t(key.size());
        put_offset(destination + table + i * width, end, width);
      }
      for (size_t i = 0; i < node.member_count; ++i) {
        uint32_t value = pairs[i] + 1;
        write_member(value, destination, data + end);
        end += scratch_.nodes[value].encoded_size;
        put_offset(destination + table + (node.member_count + i) * width, end, width);
      }
    }
  }

  void write_scalar(const ParsedNode& node, char* at) const {
    at[0] = char(tag_for(node.kind));
    if (node.bytes_length > 0) std::memcpy(at + 1, node_bytes(node).data(), node.bytes_length);
  }

  // Scalars are written at once; containers wait on the job list, so nesting needs no stack.
  void write_member(uint32_t node_index, char* destination, size_t position) {
    const ParsedNode& node = scratch_.nodes[node_index];
    if (is_container(node.kind)) {
      scratch_.write_jobs.push_back({node_index, position});
    } else {
      write_scalar(node, destination + position);
    }
  }

  static void put_offset(char* at, uint32_t value, size_t width) {
    for (size_t i = 0; i < width; ++i) at[i] = char((value >> (8 * i)) & 0xFF);
  }

  std::string_view text_;
  EncoderScratch& scratch_;
  size_t position_ = 0;
};

// ---------------------------------------------------------------------------------------
// Decoders

[[noreturn]] void corrupt(const char* what) { throw JsonbCorrupt(std::string("corrupt JSONB value: ") + what); }

/** The value's Kind after checking its tag (and that null/false/true are one byte). */
Kind checked_kind(std::string_view encoded) {
  if (encoded.empty()) corrupt("empty value");
  uint8_t tag = uint8_t(encoded[0]);
  unsigned width_code = tag >> kWidthCodeShift;
  switch (Kind(tag & kKindMask)) {
    case Kind::Null:
    case Kind::False:
    case Kind::True:
      if (width_code != 0 || encoded.size() != 1) corrupt("bad null, true or false");
      return Kind(tag & kKindMask);
    case Kind::Number:
    case Kind::String:
      if (width_code != 0) corrupt("unknown tag");
      return Kind(tag & kKindMask);
    case Kind::Array:
    case Kind::Object:
      if (width_code > 2) corrupt("unknown offset width");
      return Kind(tag & kKindMask);
  }
  corrupt("unknown tag");
}

/** A checked view of an array or object: the header and the last offset are verified on
 *  construction, every other offset when it is read. */
class ContainerView {
 public:
  ContainerView(std::string_view encoded, Kind kind) : kind_(kind) {
    width_ = size_t(1) << (uint8_t(encoded[0]) >> kWidthCodeShift);
    size_t position = 1;
    uint64_t count = 0;
    for (size_t shift = 0;; shift += 7) {
      if (position >= encoded.size()) corrupt("truncated member count");
      if (position - 1 == kMaxVarintBytes) corrupt("member count too long");
      uint8_t byte = uint8_t(encoded[position++]);
      count |= uint64_t(byte & 0x7F) << shift;
      if (!(byte & 0x80)) break;
    }
    if (count > std::numeric_limits<uint32_t>::max()) corrupt("member count too large");
    count_ = size_t(count);
    entries_ = kind == Kind::Object ? count_ * 2 : count_;
    if (entries_ > (encoded.size() - position) / width_) corrupt("offset table out of range");
    table_ = reinterpret_cast<const unsigned char*>(encoded.data()) + position;
    data_ = encoded.substr(position + entries_ * width_);
    if (entries_ == 0 ? !data_.empty() : end_offset(entries_ - 1) != data_.size()) {
      corrupt("container size does not match its offsets");
    }
  }

  Kind kind() const { return kind_; }
  /** Elements of an array, pairs of an object. */
  size_t count() const { return count_; }
  std::string_view element(size_t index) const { return value_item(index); }
  std::string_view key(size_t index) const { return item(index); }
  std::string_view value(size_t index) const { return value_item(count_ + index); }

  /** Index of `key` by binary search over the sorted keys. */
  std::optional<size_t> find_key(std::string_view wanted) const {
    size_t low = 0, high = count_;
    while (low < high) {
      size_t middle = low + (high - low) / 2;
      int comparison = compare_keys(key(middle), wanted);
      if (comparison == 0) return middle;
      if (comparison < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return std::nullopt;
  }

 private:
  size_t end_offset(size_t entry) const {
    const unsigned char* at = table_ + entry * width_;
    size_t value = 0;
    for (size_t i = 0; i < width_; ++i) value |= size_t(at[i]) << (8 * i);
    if (value > data_.size()) corrupt("offset out of range");
    return value;
  }
  std::string_view item(size_t entry) const {
    size_t begin = entry == 0 ? 0 : end_offset(entry - 1);
    size_t end = end_offset(entry);
    if (begin > end) corrupt("offsets decrease");
    return data_.substr(begin, end - begin);
  }
  std::string_view value_item(size_t entry) const {
    std::string_view value = item(entry);
    if (value.empty()) corrupt("empty value");
    return value;
  }

  Kind kind_;
  size_t width_ = 1;
  size_t count_ = 0;
  size_t entries_ = 0;
  const unsigned char* table_ = nullptr;
  std::string_view data_;
};

void check_depth(size_t depth) {
  if (depth >= kMaxDepth) corrupt("nested deeper than 1000 levels");
}

std::string_view checked_number_text(std::string_view encoded) {
  std::string_view text = encoded.substr(1);
  if (scan_number(text, 0) != int64_t(text.size())) corrupt("malformed number");
  return text;
}

std::string_view checked_string_bytes(std::string_view encoded) {
  std::string_view bytes = encoded.substr(1);
  const unsigned char* data = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t p = 0; p < bytes.size();) {
    size_t length = utf8_sequence_length(data + p, bytes.size() - p);
    if (length == 0) corrupt("invalid UTF-8 in string");
    p += length;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------
// Text output

class TextWriter {
 public:
  TextWriter(std::string& out, bool postgres_spacing)
      : out_(out),
        element_separator_(postgres_spacing ? ", " : ","),
        key_separator_(postgres_spacing ? ": " : ":") {}

  // `depth` is the number of containers around `encoded`.
  void write(std::string_view encoded, size_t depth) {
    Kind kind = checked_kind(encoded);
    switch (kind) {
      case Kind::Null: out_ += "null"; return;
      case Kind::False: out_ += "false"; return;
      case Kind::True: out_ += "true"; return;
      case Kind::Number: out_ += checked_number_text(encoded); return;
      case Kind::String: write_quoted(encoded.substr(1)); return;
      case Kind::Array: {
        check_depth(depth);
        ContainerView array(encoded, kind);
        out_.push_back('[');
        for (size_t i = 0; i < array.count(); ++i) {
          if (i > 0) out_ += element_separator_;
          write(array.element(i), depth + 1);
        }
        out_.push_back(']');
        return;
      }
      case Kind::Object: {
        check_depth(depth);
        ContainerView object(encoded, kind);
        out_.push_back('{');
        for (size_t i = 0; i < object.count(); ++i) {
          if (i > 0) out_ += element_separator_;
          write_quoted(object.key(i));
          out_ += key_separator_;
          write(object.value(i), depth + 1);
        }
        out_.push_back('}');
        return;
      }
    }
  }

 private:
  // Escapes as both Postgres' escape_json and JSON.stringify do: the two-character forms
  // for " \ \b \f \n \r \t, \u00xx (lowercase hex) for other control characters, and
  // everything else, '/' and non-ASCII included, as is.
  void write_quoted(std::string_view bytes) {
    static const char kHexDigits[] = "0123456789abcdef";
    const unsigned char* data = reinterpret_cast<const unsigned char*>(bytes.data());
    out_.push_back('"');
    size_t run_start = 0;
    size_t p = 0;
    while (p < bytes.size()) {
      unsigned char c = data[p];
      if (c >= 0x80) {
        size_t length = utf8_sequence_length(data + p, bytes.size() - p);
        if (length == 0) corrupt("invalid UTF-8 in string");
        p += length;
        continue;
      }
      if (is_plain_string_byte(c)) {
        ++p;
        continue;
      }
      out_.append(bytes.data() + run_start, p - run_start);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default: {
          char escape[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
          out_.append(escape, sizeof escape);
        }
      }
      run_start = ++p;
    }
    out_.append(bytes.data() + run_start, p - run_start);
    out_.push_back('"');
  }

  std::string& out_;
  std::string_view element_separator_;
  std::string_view key_separator_;
};

// ---------------------------------------------------------------------------------------
// Numbers

/** A JSON number split into its parts. Its value is ±d.ddd × 10^leading_exponent, where
 *  d.ddd are its significant digits (leading and trailing zeros dropped); zero has none. */
struct Decimal {
  bool negative = false;
  std::string_view integer_digits;
  std::string_view fraction_digits;
  size_t first_significant = 0;  // index into integer_digits ++ fraction_digits
  size_t significant_count = 0;  // 0 for zero
  int64_t leading_exponent = 0;  // power of ten of the first significant digit

  char digit(size_t index) const {
    return index < integer_digits.size() ? integer_digits[index] : fraction_digits[index - integer_digits.size()];
  }
  bool is_zero() const { return significant_count == 0; }
};

/** Splits a checked number text. Exponents saturate at ±10^15, far beyond any double or
 *  Postgres numeric, so equality of such absurd numbers is approximate. */
Decimal parse_decimal(std::string_view text) {
  constexpr int64_t kExponentLimit = 1'000'000'000'000'000;
  Decimal decimal;
  size_t p = 0;
  if (text[p] == '-') {
    decimal.negative = true;
    ++p;
  }
  size_t integer_begin = p;
  while (p < text.size() && is_digit(text[p])) ++p;
  decimal.integer_digits = text.substr(integer_begin, p - integer_begin);
  if (p < text.size() && text[p] == '.') {
    size_t fraction_begin = ++p;
    while (p < text.size() && is_digit(text[p])) ++p;
    decimal.fraction_digits = text.substr(fraction_begin, p - fraction_begin);
  }
  int64_t exponent = 0;
  if (p < text.size()) {  // 'e' or 'E'
    ++p;
    bool exponent_negative = text[p] == '-';
    if (text[p] == '-' || text[p] == '+') ++p;
    for (; p < text.size(); ++p) exponent = std::min(kExponentLimit, exponent * 10 + (text[p] - '0'));
    if (exponent_negative) exponent = -exponent;
  }
  const size_t total = decimal.integer_digits.size() + decimal.fraction_digits.size();
  size_t first = 0;
  while (first < total && decimal.digit(first) == '0') ++first;
  if (first == total) return decimal;
  size_t last = total - 1;
  while (decimal.digit(last) == '0') --last;
  decimal.first_significant = first;
  decimal.significant_count = last - first + 1;
  decimal.leading_exponent = int64_t(decimal.integer_digits.size()) - 1 - int64_t(first) + exponent;
  return decimal;
}

bool decimals_equal(const Decimal& a, const Decimal& b) {
  if (a.is_zero() || b.is_zero()) return a.is_zero() && b.is_zero();
  if (a.negative != b.negative || a.leading_exponent != b.leading_exponent) return false;
  if (a.significant_count != b.significant_count) return false;
  for (size_t i = 0; i < a.significant_count; ++i) {
    if (a.digit(a.first_significant + i) != b.digit(b.first_significant + i)) return false;
  }
  return true;
}

double decimal_to_double(std::string_view text) {
  Decimal decimal = parse_decimal(text);
  if (decimal.is_zero()) return decimal.negative ? -0.0 : 0.0;
  // Exact fast path (Clinger): at most 15 significant digits and a power of ten up to 22
  // are both exact doubles, so one multiplication or division rounds correctly.
  static const double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (decimal.significant_count <= 15) {
    int64_t power = decimal.leading_exponent - int64_t(decimal.significant_count) + 1;
    if (power >= -22 && power <= 22) {
      uint64_t mantissa = 0;
      for (size_t i = 0; i < decimal.significant_count; ++i) {
        mantissa = mantissa * 10 + uint64_t(decimal.digit(decimal.first_significant + i) - '0');
      }
      double value = double(mantissa);
      value = power >= 0 ? value * kPowersOfTen[power] : value / kPowersOfTen[-power];
      return decimal.negative ? -value : value;
    }
  }
  double value = 0;
  bool out_of_range = false;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  std::from_chars_result result = std::from_chars(text.data(), text.data() + text.size(), value);
  out_of_range = result.ec == std::errc::result_out_of_range;
#else
  std::istringstream stream{std::string(text)};
  stream.imbue(std::locale::classic());
  stream >> value;
  out_of_range = stream.fail() || std::isinf(value);
#endif
  if (out_of_range) {
    value = decimal.leading_exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return decimal.negative ? -value : value;
  }
  return value;
}

// ---------------------------------------------------------------------------------------
// Equality and containment

/** Equality of two values already known to be scalars of the given kinds. */
bool scalars_equal(std::string_view a, Kind a_kind, std::string_view b, Kind b_kind) {
  if (a_kind != b_kind) return false;
  if (a_kind == Kind::Number) {
    return decimals_equal(parse_decimal(checked_number_text(a)), parse_decimal(checked_number_text(b)));
  }
  if (a_kind == Kind::String) return a.substr(1) == b.substr(1);
  return true;
}

bool equal_values(std::string_view a, std::string_view b, size_t depth) {
  Kind a_kind = checked_kind(a);
  Kind b_kind = checked_kind(b);
  if (a_kind != b_kind) return false;
  if (!is_container(a_kind)) return scalars_equal(a, a_kind, b, b_kind);
  check_depth(depth);
  ContainerView left(a, a_kind), right(b, b_kind);
  if (left.count() != right.count()) return false;
  for (size_t i = 0; i < left.count(); ++i) {
    if (a_kind == Kind::Array) {
      if (!equal_values(left.element(i), right.element(i), depth + 1)) return false;
    } else {
      if (left.key(i) != right.key(i) || !equal_values(left.value(i), right.value(i), depth + 1)) return false;
    }
  }
  return true;
}

bool value_contains(std::string_view lhs, std::string_view rhs, size_t depth);

/** Whether some top-level element of `array` is a scalar equal to `scalar`. */
bool array_has_scalar(const ContainerView& array, std::string_view scalar, Kind scalar_kind) {
  for (size_t i = 0; i < array.count(); ++i) {
    std::string_view element = array.element(i);
    if (scalars_equal(element, checked_kind(element), scalar, scalar_kind)) return true;
  }
  return false;
}

// Postgres' JsonbDeepContains for two arrays: every rhs scalar appears among the lhs
// array's elements, every rhs container is contained in some lhs container of its kind.
bool array_contains(const ContainerView& lhs, const ContainerView& rhs, size_t depth) {
  for (size_t i = 0; i < rhs.count(); ++i) {
    std::string_view wanted = rhs.element(i);
    Kind wanted_kind = checked_kind(wanted);
    if (!is_container(wanted_kind)) {
      if (!array_has_scalar(lhs, wanted, wanted_kind)) return false;
      continue;
    }
    bool found = false;
    for (size_t j = 0; j < lhs.count() && !found; ++j) {
      std::string_view candidate = lhs.element(j);
      found = checked_kind(candidate) == wanted_kind && value_contains(candidate, wanted, depth + 1);
    }
    if (!found) return false;
  }
  return true;
}

// Postgres' JsonbDeepContains for two objects: every rhs key is in lhs and its lhs value
// contains its rhs value.
bool object_contains(const ContainerView& lhs, const ContainerView& rhs, size_t depth) {
  if (rhs.count() > lhs.count()) return false;  // keys are unique
  for (size_t i = 0; i < rhs.count(); ++i) {
    std::optional<size_t> index = lhs.find_key(rhs.key(i));
    if (!index || !value_contains(lhs.value(*index), rhs.value(i), depth + 1)) return false;
  }
  return true;
}

// Containment of values nested inside containers: kinds must match exactly.
bool value_contains(std::string_view lhs, std::string_view rhs, size_t depth) {
  Kind lhs_kind = checked_kind(lhs);
  Kind rhs_kind = checked_kind(rhs);
  if (lhs_kind != rhs_kind) return false;
  if (!is_container(lhs_kind)) return scalars_equal(lhs, lhs_kind, rhs, rhs_kind);
  check_depth(depth);
  ContainerView left(lhs, lhs_kind), right(rhs, rhs_kind);
  return lhs_kind == Kind::Array ? array_contains(left, right, depth) : object_contains(left, right, depth);
}

/** Parses a #> path step as an array index: optional sign, then decimal digits only. */
std::optional<int64_t> parse_index(std::string_view text) {
  size_t p = 0;
  bool negative = false;
  if (p < text.size() && (text[p] == '-' || text[p] == '+')) negative = text[p++] == '-';
  if (p == text.size()) return std::nullopt;
  int64_t value = 0;
  for (; p < text.size(); ++p) {
    if (!is_digit(text[p])) return std::nullopt;
    if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;  // no array is this long
    value = value * 10 + (text[p] - '0');
  }
  return negative ? -value : value;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Public entry points

void encode(std::string_view json_text, std::string& out) {
  thread_local EncoderScratch scratch;
  scratch.clear();
  try {
    Encoder(json_text, scratch).encode(out);
  } catch (...) {
    scratch.trim();
    throw;
  }
  scratch.trim();
}

void to_text(std::string_view encoded, std::string& out) { TextWriter(out, true).write(encoded, 0); }

void to_compact_text(std::string_view encoded, std::string& out) { TextWriter(out, false).write(encoded, 0); }

Kind kind_of(std::string_view encoded) { return checked_kind(encoded); }

std::optional<std::string_view> object_field(std::string_view encoded, std::string_view key) {
  if (checked_kind(encoded) != Kind::Object) return std::nullopt;
  ContainerView object(encoded, Kind::Object);
  std::optional<size_t> index = object.find_key(key);
  if (!index) return std::nullopt;
  return object.value(*index);
}

std::optional<std::string_view> array_element(std::string_view encoded, int64_t index) {
  if (checked_kind(encoded) != Kind::Array) return std::nullopt;
  ContainerView array(encoded, Kind::Array);
  const int64_t count = int64_t(array.count());
  if (index < 0) index += count;
  if (index < 0 || index >= count) return std::nullopt;
  return array.element(size_t(index));
}

std::optional<std::string_view> path(std::string_view encoded, const std::vector<std::string>& keys) {
  std::string_view current = encoded;
  for (const std::string& key : keys) {
    std::optional<std::string_view> next;
    switch (checked_kind(current)) {
      case Kind::Object:
        next = object_field(current, key);
        break;
      case Kind::Array: {
        std::optional<int64_t> index = parse_index(key);
        if (index) next = array_element(current, *index);
        break;
      }
      default:
        break;
    }
    if (!next) return std::nullopt;
    current = *next;
  }
  return current;
}

std::optional<int64_t> array_length(std::string_view encoded) {
  if (checked_kind(encoded) != Kind::Array) return std::nullopt;
  return int64_t(ContainerView(encoded, Kind::Array).count());
}

std::optional<std::string> as_text(std::string_view encoded) {
  switch (checked_kind(encoded)) {
    case Kind::Null: return std::nullopt;
    case Kind::False: return std::string("false");
    case Kind::True: return std::string("true");
    case Kind::Number: return std::string(checked_number_text(encoded));
    case Kind::String: return std::string(checked_string_bytes(encoded));
    case Kind::Array:
    case Kind::Object: {
      std::string text;
      to_text(encoded, text);
      return text;
    }
  }
  return std::nullopt;
}

std::optional<double> as_number(std::string_view encoded) {
  if (checked_kind(encoded) != Kind::Number) return std::nullopt;
  return decimal_to_double(checked_number_text(encoded));
}

bool contains(std::string_view lhs, std::string_view rhs) {
  Kind lhs_kind = checked_kind(lhs);
  Kind rhs_kind = checked_kind(rhs);
  // As jsonb_contains: an object never contains a non-object nor the reverse.
  if ((lhs_kind == Kind::Object) != (rhs_kind == Kind::Object)) return false;
  if (lhs_kind == Kind::Object || rhs_kind == Kind::Array) {
    // A top-level scalar (a "raw scalar" in Postgres) never contains an array.
    return lhs_kind == rhs_kind && value_contains(lhs, rhs, 0);
  }
  // rhs is a top-level scalar: contained in an equal scalar or an array holding it.
  if (lhs_kind == Kind::Array) return array_has_scalar(ContainerView(lhs, Kind::Array), rhs, rhs_kind);
  return scalars_equal(lhs, lhs_kind, rhs, rhs_kind);
}

bool equals(std::string_view a, std::string_view b) { return equal_values(a, b, 0); }

}  // namespace replaydb::jsonb
