// LIKE and ILIKE: `%` matches any run of characters, `_` exactly one character (UTF-8
// aware), the escape character (default backslash, none with ESCAPE '') makes the next
// character literal. A pattern is compiled into literal runs and wildcards once per batch
// when it is a constant (per row otherwise); the common shapes (exact, 'abc%', '%abc',
// '%abc%', '%') are answered by one comparison or search, others by the linear-space
// wildcard matcher that backtracks only to the last `%`. ILIKE lower-cases both sides with
// the case mapping of lower() (text_util.hpp).
#include <string>
#include <vector>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"
#include "expr/text_util.hpp"

namespace replaydb {
namespace {

class LikePattern {
 public:
  /** Compiles `pattern`; `escape` is one character or empty (no escape). */
  void compile(std::string_view pattern, std::string_view escape, bool fold_case, int id) {
    tokens_.clear();
    literals_.clear();
    size_t p = 0;
    while (p < pattern.size()) {
      size_t length = utf8_char_bytes(pattern, p);
      const std::string_view character = pattern.substr(p, length);
      p += length;
      if (!escape.empty() && character == escape) {
        if (p >= pattern.size()) throw EngineError("invalid_escape_sequence", "LIKE pattern must not end with escape character", -1, id);
        length = utf8_char_bytes(pattern, p);
        add_literal(pattern.substr(p, length));
        p += length;
      } else if (character == "%") {
        if (tokens_.empty() || tokens_.back().type != Token::AnyString) tokens_.push_back({Token::AnyString, 0, 0});
      } else if (character == "_") {
        tokens_.push_back({Token::AnyChar, 0, 0});
      } else {
        add_literal(character);
      }
    }
    if (fold_case) fold_literals();
    classify();
  }

  bool matches(std::string_view text) const {
    switch (shape_) {
      case Shape::Exact: return text == literal_;
      case Shape::Prefix: return text.size() >= literal_.size() && text.compare(0, literal_.size(), literal_) == 0;
      case Shape::Suffix: return text.size() >= literal_.size() && text.compare(text.size() - literal_.size(), literal_.size(), literal_) == 0;
      case Shape::Contains: return text.find(literal_) != std::string_view::npos;
      case Shape::Everything: return true;
      case Shape::General: return match_general(text);
    }
    return false;
  }

 private:
  struct Token {
    enum Type : uint8_t { Literal, AnyChar, AnyString } type;
    uint32_t begin;  // Literal: its bytes in literals_
    uint32_t length;
  };
  enum class Shape { Exact, Prefix, Suffix, Contains, Everything, General };

  std::string_view literal(const Token& token) const { return std::string_view(literals_).substr(token.begin, token.length); }

  void add_literal(std::string_view bytes) {
    if (tokens_.empty() || tokens_.back().type != Token::Literal) tokens_.push_back({Token::Literal, uint32_t(literals_.size()), 0});
    literals_.append(bytes);
    tokens_.back().length += uint32_t(bytes.size());
  }

  void fold_literals() {
    std::string folded;
    for (Token& token : tokens_) {
      if (token.type != Token::Literal) continue;
      const size_t begin = folded.size();
      append_lower(literal(token), folded);
      token.begin = uint32_t(begin);
      token.length = uint32_t(folded.size() - begin);
    }
    literals_.swap(folded);
  }

  void classify() {
    auto is = [&](size_t i, Token::Type type) { return tokens_[i].type == type; };
    const size_t n = tokens_.size();
    shape_ = Shape::General;
    literal_ = {};
    if (n == 0) {
      shape_ = Shape::Exact;
    } else if (n == 1 && is(0, Token::Literal)) {
      shape_ = Shape::Exact;
      literal_ = literal(tokens_[0]);
    } else if (n == 1 && is(0, Token::AnyString)) {
      shape_ = Shape::Everything;
    } else if (n == 2 && is(0, Token::Literal) && is(1, Token::AnyString)) {
      shape_ = Shape::Prefix;
      literal_ = literal(tokens_[0]);
    } else if (n == 2 && is(0, Token::AnyString) && is(1, Token::Literal)) {
      shape_ = Shape::Suffix;
      literal_ = literal(tokens_[1]);
    } else if (n == 3 && is(0, Token::AnyString) && is(1, Token::Literal) && is(2, Token::AnyString)) {
      shape_ = Shape::Contains;
      literal_ = literal(tokens_[1]);
    }
  }

  // Greedy matching that remembers only the last `%`: on a mismatch, that `%` takes one
  // more character and matching resumes after it. Correct because `%` absorbs anything.
  bool match_general(std::string_view text) const {
    const size_t n = tokens_.size();
    size_t t = 0, s = 0;
    size_t star_token = n, star_text = 0;
    while (s < text.size()) {
      if (t < n) {
        const Token& token = tokens_[t];
        if (token.type == Token::AnyString) {
          star_token = t++;
          star_text = s;
          continue;
        }
        if (token.type == Token::AnyChar) {
          s += utf8_char_bytes(text, s);
          t++;
          continue;
        }
        const std::string_view wanted = literal(token);
        if (text.compare(s, wanted.size(), wanted) == 0) {
          s += wanted.size();
          t++;
          continue;
        }
      }
      if (star_token == n) return false;
      t = star_token + 1;
      star_text += utf8_char_bytes(text, star_text);
      s = star_text;
    }
    while (t < n && tokens_[t].type == Token::AnyString) t++;
    return t == n;
  }

  std::vector<Token> tokens_;
  std::string literals_;
  Shape shape_ = Shape::General;
  std::string_view literal_;  // into literals_, for the fast shapes
};

std::string_view checked_escape(std::string_view escape, int id) {
  if (!escape.empty() && utf8_char_bytes(escape, 0) != escape.size()) {
    throw EngineError("invalid_escape_sequence", "invalid escape string: escape string must be empty or one character", -1, id);
  }
  return escape;
}

}  // namespace

Datum evaluate_like(const Expression& e, const Batch& batch) {
  const Arguments args = evaluate_arguments(e, batch);
  const bool has_escape = args.size() == 3;
  const Datum &value = args[0], &pattern = args[1];
  const int escape_id = has_escape ? e.args[2]->id : e.id;
  FixedBuilder<uint8_t> out(DataType{TypeId::Boolean, 0}, args.rows);
  LikePattern compiled;
  const bool constant_pattern =
      pattern.broadcast && !pattern.is_null(0) && (!has_escape || (args[2].broadcast && !args[2].is_null(0)));
  if (constant_pattern) {
    compiled.compile(text_at(pattern, 0), has_escape ? checked_escape(text_at(args[2], 0), escape_id) : "\\", e.case_insensitive, e.id);
  }
  std::string folded;
  for (size_t i = 0; i < args.rows; i++) {
    if (args.any_null(i)) {
      out.set_null(i);
      continue;
    }
    if (!constant_pattern) {
      compiled.compile(text_at(pattern, i), has_escape ? checked_escape(text_at(args[2], i), escape_id) : "\\", e.case_insensitive, e.id);
    }
    std::string_view text = text_at(value, i);
    if (e.case_insensitive) {
      folded.clear();
      append_lower(text, folded);
      text = folded;
    }
    out.set(i, uint8_t(compiled.matches(text) != e.negated));
  }
  return out.finish(args.broadcast);
}

}  // namespace replaydb
