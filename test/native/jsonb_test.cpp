// Tests of the JSONB encoding (native/jsonb): round trips through the binary form, Postgres'
// output spacing, strict RFC 8259 input with error offsets, path access, containment and
// equality as Postgres defines them, and a fuzz loop showing that damaged bytes raise
// JsonbCorrupt instead of crashing. A standalone program: it exits non-zero at the first
// failed CHECK and prints "N passed, 0 failed" when all pass.
//
//   g++ -std=c++17 -O2 -Wall -Wextra -I native native/jsonb/jsonb.cpp test/native/jsonb_test.cpp -o /tmp/jsonb_test
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "jsonb/jsonb.hpp"

using namespace replaydb::jsonb;

namespace {

std::string encoded(std::string_view text) {
  std::string out;
  encode(text, out);
  return out;
}

/** JSON text → binary → Postgres-spaced text. */
std::string postgres_text(std::string_view text) {
  std::string out;
  to_text(encoded(text), out);
  return out;
}

std::string compact_text(std::string_view text) {
  std::string out;
  to_compact_text(encoded(text), out);
  return out;
}

constexpr size_t kNoError = size_t(-1);

/** The error offset encode() reports for `text`, or kNoError when it parses. */
size_t error_offset(std::string_view text) {
  std::string out;
  try {
    encode(text, out);
  } catch (const JsonParseError& error) {
    return error.offset;
  }
  return kNoError;
}

bool throws_corrupt(void (*action)(std::string_view), std::string_view bytes) {
  try {
    action(bytes);
  } catch (const JsonbCorrupt&) {
    return true;
  }
  return false;
}

std::string text_at(std::string_view document, const std::vector<std::string>& keys) {
  std::optional<std::string_view> value = path(document, keys);
  if (!value) return "<missing>";
  std::string out;
  to_text(*value, out);
  return out;
}

bool contains_text(std::string_view lhs, std::string_view rhs) { return contains(encoded(lhs), encoded(rhs)); }
bool equals_text(std::string_view a, std::string_view b) { return equals(encoded(a), encoded(b)); }

// ---------------------------------------------------------------------------------------

void test_round_trips() {
  CHECK(postgres_text(R"({"b": [1, 2], "a": {"c": null}})") == R"({"a": {"c": null}, "b": [1, 2]})");
  CHECK(compact_text(R"({"b": [1, 2], "a": {"c": null}})") == R"({"a":{"c":null},"b":[1,2]})");
  CHECK(postgres_text("null") == "null");
  CHECK(postgres_text("true") == "true");
  CHECK(postgres_text("false") == "false");
  CHECK(postgres_text(" \t\r\n 42 \n") == "42");
  CHECK(postgres_text(R"("x")") == R"("x")");
  CHECK(postgres_text("{}") == "{}");
  CHECK(postgres_text("[]") == "[]");
  CHECK(postgres_text("[ { } , [ ] ]") == "[{}, []]");
  CHECK(compact_text("[ { } , [ ] ]") == "[{},[]]");
  const char* nested =
      R"({"steps": [{"action": "click", "x": 10, "y": -2.5}, {"action": "type", "text": "hi\n"}],)"
      R"( "outcome": {"success": true, "reward": 0.75, "tags": ["a", "b", null]}, "empty": {}})";
  std::string once = compact_text(nested);
  CHECK(once ==
        R"({"empty":{},"steps":[{"x":10,"y":-2.5,"action":"click"},{"text":"hi\n","action":"type"}],)"
        R"("outcome":{"tags":["a","b",null],"reward":0.75,"success":true}})");
  CHECK(encoded(once) == encoded(nested));  // text → binary → text → binary is stable
  CHECK(postgres_text(nested) ==
        R"({"empty": {}, "steps": [{"x": 10, "y": -2.5, "action": "click"}, {"text": "hi\n", "action": "type"}], )"
        R"("outcome": {"tags": ["a", "b", null], "reward": 0.75, "success": true}})");

  // Encodings append to what the buffer holds.
  std::string out = "prefix";
  encode("[1]", out);
  CHECK(out.compare(0, 6, "prefix") == 0);
  std::string text;
  to_text(std::string_view(out).substr(6), text);
  CHECK(text == "[1]");

  // Offset widths: 1 byte up to 255 data bytes, then 2, then 4.
  std::string small = encoded("[1, 2, 3]");
  CHECK(uint8_t(small[0]) == 0x05);
  std::string medium_text = "[";
  for (int i = 0; i < 100; ++i) medium_text += (i ? ",\"" : "\"") + std::string(10, char('a' + i % 26)) + "\"";
  medium_text += "]";
  std::string medium = encoded(medium_text);
  CHECK(uint8_t(medium[0]) == 0x15);
  CHECK(array_length(medium) == 100);
  CHECK(as_text(*array_element(medium, 99)) == std::string(10, char('a' + 99 % 26)));
  std::string large_text = R"({"big": ")" + std::string(70000, 'z') + R"(", "small": 1})";
  std::string large = encoded(large_text);
  CHECK(uint8_t(large[0]) == 0x26);
  CHECK(as_text(*object_field(large, "big"))->size() == 70000);
  CHECK(as_text(*object_field(large, "small")) == "1");
  CHECK(compact_text(large_text) == R"({"big":")" + std::string(70000, 'z') + R"(","small":1})");

  // Documented layout of a small object: tag, count, 2n one-byte end offsets, keys, values.
  std::string object = encoded(R"({"b": true, "a": 1})");
  CHECK(object == std::string("\x06\x02\x01\x02\x04\x05" "ab" "\x03" "1" "\x02", 11));
}

void test_escapes_and_unicode() {
  std::string all = encoded(R"("\"\\\/\b\f\n\r\t")");
  CHECK(as_text(all) == std::string("\"\\/\b\f\n\r\t"));
  std::string text;
  to_text(all, text);
  CHECK(text == R"("\"\\/\b\f\n\r\t")");  // '/' needs no escape on output
  CHECK(postgres_text(R"("\u0001\u001F\u007f")") == "\"\\u0001\\u001f\x7f\"");
  CHECK(as_text(encoded(R"("\u0041\u00e9\u20AC")")) == "A\xC3\xA9\xE2\x82\xAC");
  std::string with_nul = encoded(R"("a\u0000b")");
  CHECK(as_text(with_nul) == std::string("a\0b", 3));
  CHECK(postgres_text(R"("a\u0000b")") == R"("a\u0000b")");
  // Raw UTF-8 passes through untouched.
  const char* raw = "\"h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\"";
  CHECK(postgres_text(raw) == raw);
  // Surrogate pairs combine into one code point (U+1F600, U+10FFFF).
  CHECK(as_text(encoded(R"("\uD83D\uDE00")")) == "\xF0\x9F\x98\x80");
  CHECK(as_text(encoded(R"("\udbff\udfff")")) == "\xF4\x8F\xBF\xBF");
  CHECK(postgres_text(R"("\uD83D\uDE00")") == "\"\xF0\x9F\x98\x80\"");
  // Escaped and raw spellings of the same key are the same key.
  CHECK(postgres_text(R"({"\u00e9": 1, "é": 2})") == R"({"é": 2})");
  CHECK(postgres_text(R"({"a\"b": "c\\d"})") == R"({"a\"b": "c\\d"})");
  CHECK(as_text(*object_field(encoded(R"({"a\"b": "c\\d"})"), "a\"b")) == "c\\d");
}

void test_numbers() {
  // Numbers keep the text they were written with.
  CHECK(compact_text("[0, -0, 1.50, -12.5e-3, 1E+10, 2e5, 12345678901234567890123, 1e400]") ==
        "[0,-0,1.50,-12.5e-3,1E+10,2e5,12345678901234567890123,1e400]");
  CHECK(as_text(encoded("1.50")) == "1.50");
  CHECK(as_text(encoded("-0.0")) == "-0.0");
  CHECK(as_number(encoded("1.50")) == 1.5);
  CHECK(as_number(encoded("-12.5e-3")) == -0.0125);
  CHECK(as_number(encoded("1E+10")) == 1e10);
  CHECK(as_number(encoded("0.1")) == 0.1);
  CHECK(as_number(encoded("123456789012345678")) == 123456789012345678.0);
  CHECK(as_number(encoded("12345678901234567890123")) == 12345678901234567890123.0);
  CHECK(as_number(encoded("2.2250738585072014e-308")) == 2.2250738585072014e-308);
  CHECK(as_number(encoded("1.7976931348623157e308")) == 1.7976931348623157e308);
  CHECK(as_number(encoded("1e400")) == HUGE_VAL);
  CHECK(as_number(encoded("-1e400")) == -HUGE_VAL);
  CHECK(as_number(encoded("1e-400")) == 0.0);
  CHECK(as_number(encoded("0.000001e6")) == 1.0);
  CHECK(std::signbit(*as_number(encoded("-0"))));
  CHECK(!as_number(encoded(R"("1")")));
  CHECK(!as_number(encoded("null")));
  // Equality is by exact decimal value.
  CHECK(equals_text("1", "1.0"));
  CHECK(equals_text("1.50", "1.5"));
  CHECK(equals_text("100", "1e2"));
  CHECK(equals_text("0.001", "1E-3"));
  CHECK(equals_text("-0", "0.000"));
  CHECK(equals_text("123.456e1", "1234.56"));
  CHECK(!equals_text("1", "2"));
  CHECK(!equals_text("1", "-1"));
  CHECK(!equals_text("1", "10"));
  CHECK(!equals_text("12345678901234567890", "12345678901234567891"));  // equal as doubles
  CHECK(!equals_text("0.1", "0.10000000000000001"));
}

void test_key_order_and_duplicates() {
  // Sorted by byte length, then bytewise, as Postgres prints them.
  CHECK(postgres_text(R"({"bb": 1, "a": 2, "ccc": 3, "b": 4})") == R"({"a": 2, "b": 4, "bb": 1, "ccc": 3})");
  CHECK(postgres_text(R"({"é": 3, "b": 1, "B": 2, "": 0})") == R"({"": 0, "B": 2, "b": 1, "é": 3})");
  // The last duplicate wins, including over a nested value that is then dropped.
  CHECK(postgres_text(R"({"a": 1, "b": 2, "a": 3})") == R"({"a": 3, "b": 2})");
  CHECK(postgres_text(R"({"a": {"x": [1, {"y": 2}]}, "b": 0, "a": [2]})") == R"({"a": [2], "b": 0})");
  CHECK(postgres_text(R"({"a": 1, "a": 2, "a": 3, "a": {"z": 4}})") == R"({"a": {"z": 4}})");
  CHECK(postgres_text(R"([{"k": 1, "k": 2}, {"k": 3}])") == R"([{"k": 2}, {"k": 3}])");
  CHECK(*object_field(encoded(R"({"a": 1, "b": 2, "a": 3})"), "a") == std::string("\x03" "3"));
  CHECK(array_length(encoded(R"([{"a": 1, "a": 2}, 5])")) == 2);
  // Many keys: each is found by binary search.
  std::string many_text = "{";
  for (int i = 299; i >= 0; --i) many_text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + (i ? ", " : "}");
  std::string many = encoded(many_text);
  bool all_found = true;
  for (int i = 0; i < 300; ++i) {
    std::optional<std::string_view> value = object_field(many, "k" + std::to_string(i));
    all_found = all_found && value && as_text(*value) == std::to_string(i);
  }
  CHECK(all_found);
  CHECK(!object_field(many, "k300"));
  CHECK(!object_field(many, "k"));
  CHECK(!object_field(many, ""));
}

void test_malformed_input() {
  struct Case {
    std::string text;
    size_t offset;
  };
  const std::vector<Case> cases = {
      {"", 0},                              // nothing
      {"   ", 3},                           // only whitespace
      {"{", 1},                             // unterminated object
      {"[", 1},                             // unterminated array
      {"[1,", 3},                           // ends after comma
      {"[1,2", 4},                          // ends after element
      {"[1 2]", 3},                         // missing comma
      {"[1,]", 3},                          // trailing comma
      {"[,1]", 1},                          // leading comma
      {"[1]]", 3},                          // extra bracket
      {"[1}", 2},                           // mismatched bracket
      {"{\"a\" 1}", 5},                     // missing colon
      {"{\"a\":}", 5},                      // missing value
      {"{\"a\":1,}", 7},                    // trailing comma in object
      {"{1:2}", 1},                         // non-string key
      {"{'a':1}", 1},                       // single-quoted key
      {"{a:1}", 1},                         // bare key
      {"{\"a\":1 \"b\":2}", 7},             // missing comma between pairs
      {"01", 1},                            // leading zero
      {"-01", 2},                           // leading zero after sign
      {"1.", 2},                            // no fraction digits
      {"1.e5", 2},                          // no fraction digits before exponent
      {".5", 0},                            // no integer part
      {"-", 1},                             // sign alone
      {"-a", 1},                            // sign without digits
      {"+1", 0},                            // plus sign
      {"1e", 2},                            // empty exponent
      {"1e+", 3},                           // signed empty exponent
      {"0x10", 1},                          // hexadecimal
      {"NaN", 0},                           // not JSON
      {"Infinity", 0},                      // not JSON
      {"-Infinity", 1},                     // not JSON
      {"tru", 3},                           // truncated literal
      {"trux", 3},                          // misspelt literal
      {"nul", 3},                           // truncated literal
      {"falsy", 4},                         // misspelt literal
      {"True", 0},                          // literals are lowercase
      {"nullnull", 4},                      // two values
      {"[1] x", 4},                         // trailing garbage
      {"1 2", 2},                           // two values
      {"'a'", 0},                           // single-quoted string
      {"\"abc", 4},                         // unterminated string
      {"\"a\x01\"", 2},                     // raw control character
      {"\"a\tb\"", 2},                      // raw tab
      {"\"a\nb\"", 2},                      // raw newline
      {"\"\\x\"", 2},                       // unknown escape
      {"\"\\'\"", 2},                       // unknown escape
      {"\"\\", 2},                          // escape at end of input
      {"\"\\u12G4\"", 5},                   // bad hex digit
      {"\"\\u12\"", 5},                     // short \u escape
      {"\"\\u", 3},                         // \u at end of input
      {"\"\\uD800\"", 7},                   // lone high surrogate
      {"\"\\uD800x\"", 7},                  // high surrogate then a plain character
      {"\"\\uD800\\u0041\"", 7},            // high surrogate then a non-surrogate
      {"\"\\uD800\\uD800\"", 7},            // two high surrogates
      {"\"\\uD800\\n\"", 7},                // high surrogate then another escape
      {"\"\\uDC00\"", 1},                   // lone low surrogate
      {"\"ab\\uDFFF\\uD800\"", 3},          // low before high
      {"\"\xFF\"", 1},                      // invalid UTF-8 byte
      {"\"a\x80\"", 2},                     // stray continuation byte
      {"\"\xC0\xAF\"", 1},                  // overlong encoding
      {"\"\xE0\x80\xAF\"", 1},              // overlong encoding
      {"\"\xED\xA0\x80\"", 1},              // UTF-8-encoded surrogate
      {"\"\xF4\x90\x80\x80\"", 1},          // above U+10FFFF
      {"\"\xE6\x97\"", 1},                  // truncated sequence
      {"\"\\n\xFF\"", 3},                   // invalid UTF-8 after an escape
      {"\xEF\xBB\xBF" "1", 0},              // byte order mark
      {"/* comment */ 1", 0},               // comments
      {"[1, 2] // comment", 7},             // comments
      {"\v1", 0},                           // vertical tab is not whitespace
      {"\xC2\xA0" "1", 0},                  // no-break space is not whitespace
      {std::string("[1,\0 2]", 7), 3},      // NUL byte
  };
  for (const Case& c : cases) {
    size_t offset = error_offset(c.text);
    if (offset != c.offset) {
      std::fprintf(stderr, "input %s: offset %zu, expected %zu\n", c.text.c_str(), offset, c.offset);
    }
    CHECK(offset == c.offset);
  }
  // Messages say what went wrong; a failed encode leaves the output as it was.
  try {
    std::string out = "kept";
    encode(R"({"a": [1, 2,]})", out);
    CHECK(false);
  } catch (const JsonParseError& error) {
    CHECK(error.offset == 12);
    CHECK(std::string(error.what()).find("expected a JSON value") != std::string::npos);
  }
  std::string out = "kept";
  CHECK(error_offset("[1, 2") != kNoError);
  try {
    encode("[1, 2", out);
  } catch (const JsonParseError&) {
  }
  CHECK(out == "kept");
  // Valid edge cases.
  CHECK(error_offset("\"\x7F\"") == kNoError);  // DEL needs no escape
  CHECK(error_offset("\"\xF4\x8F\xBF\xBF\"") == kNoError);
  CHECK(error_offset("-0.0e-0") == kNoError);
  CHECK(error_offset("1E+999999999999999999999999") == kNoError);
}

void test_depth_limit() {
  std::string deepest = std::string(1000, '[') + std::string(1000, ']');
  CHECK(error_offset(deepest) == kNoError);
  std::string text;
  to_text(encoded(deepest), text);
  CHECK(text == deepest);
  CHECK(error_offset(std::string(1001, '[') + std::string(1001, ']')) == 1000);
  std::string objects;
  for (int i = 0; i < 1000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(1000, '}');
  CHECK(error_offset(objects) == kNoError);
  CHECK(error_offset("{\"a\":" + objects + "}") == 1000 * 5);
  // Far deeper input fails at the limit without exhausting the stack.
  CHECK(error_offset(std::string(1000000, '[')) == 1000);
  // Containment and equality of the deepest documents work.
  CHECK(equals(encoded(deepest), encoded(deepest)));
  CHECK(contains(encoded(deepest), encoded(deepest)));
  CHECK(contains(encoded(objects), encoded(objects)));
  // Decoders refuse encodings nested deeper than the limit (they could only be forged).
  std::string forged = std::string(1, '\0');
  for (int i = 0; i < 1001; ++i) {
    uint32_t size = uint32_t(forged.size());
    std::string wrapper = "\x25\x01";
    for (int b = 0; b < 4; ++b) wrapper.push_back(char((size >> (8 * b)) & 0xFF));
    forged = wrapper + forged;
  }
  CHECK(throws_corrupt([](std::string_view bytes) { std::string out; to_text(bytes, out); }, forged));
  CHECK(throws_corrupt([](std::string_view bytes) { equals(bytes, bytes); }, forged));
  CHECK(throws_corrupt([](std::string_view bytes) { contains(bytes, bytes); }, forged));
  CHECK(array_length(forged) == 1);  // one level is still readable
}

void test_path_access() {
  std::string document = encoded(R"({"a": {"b": [10, 20, {"c": "x"}]}, "n": null, "1": "one"})");
  CHECK(kind_of(*object_field(document, "a")) == Kind::Object);
  CHECK(text_at(document, {"a", "b", "2", "c"}) == R"("x")");
  CHECK(text_at(document, {"a", "b", "-1", "c"}) == R"("x")");
  CHECK(text_at(document, {"a", "b", "-3"}) == "10");
  CHECK(text_at(document, {"a", "b", "+1"}) == "20");
  CHECK(text_at(document, {"a", "b", "-4"}) == "<missing>");
  CHECK(text_at(document, {"a", "b", "3"}) == "<missing>");
  CHECK(text_at(document, {"a", "b", "x"}) == "<missing>");
  CHECK(text_at(document, {"a", "b", "1.0"}) == "<missing>");
  CHECK(text_at(document, {"a", "b", ""}) == "<missing>");
  CHECK(text_at(document, {"a", "b", "99999999999999999999999"}) == "<missing>");
  CHECK(text_at(document, {"a", "b", "1", "z"}) == "<missing>");  // into a scalar
  CHECK(text_at(document, {"1"}) == R"("one")");                   // integer-looking key on an object
  CHECK(text_at(document, {"n"}) == "null");
  CHECK(text_at(document, {"missing"}) == "<missing>");
  CHECK(text_at(document, {}) == R"({"1": "one", "a": {"b": [10, 20, {"c": "x"}]}, "n": null})");
  // Results are views into the encoding, and encodings in their own right.
  std::string_view inner = *path(document, {"a", "b"});
  CHECK(inner.data() > document.data() && inner.data() + inner.size() <= document.data() + document.size());
  CHECK(array_length(inner) == 3);
  CHECK(as_text(*array_element(inner, 1)) == "20");
  CHECK(as_text(*array_element(inner, -1)) == R"({"c": "x"})");
  CHECK(as_text(*array_element(inner, -3)) == "10");
  CHECK(!array_element(inner, -4));
  CHECK(!array_element(inner, 3));
  CHECK(!array_element(inner, INT64_MIN));
  CHECK(!array_element(inner, INT64_MAX));
  CHECK(!array_element(document, 0));      // -> int on an object
  CHECK(!object_field(inner, "0"));        // -> text on an array
  CHECK(!object_field(encoded("\"a\""), "a"));  // on a scalar
  CHECK(!array_element(encoded("[]"), 0));
  CHECK(!array_element(encoded("[]"), -1));
  CHECK(kind_of(encoded("null")) == Kind::Null);
  CHECK(kind_of(encoded("false")) == Kind::False);
  CHECK(kind_of(encoded("true")) == Kind::True);
  CHECK(kind_of(encoded("-1")) == Kind::Number);
  CHECK(kind_of(encoded("\"\"")) == Kind::String);
  CHECK(kind_of(encoded("[]")) == Kind::Array);
  CHECK(kind_of(encoded("{}")) == Kind::Object);
}

void test_array_length_and_as_text() {
  CHECK(array_length(encoded("[]")) == 0);
  CHECK(array_length(encoded("[1, [2, 3], {}]")) == 3);
  CHECK(!array_length(encoded("{}")));
  CHECK(!array_length(encoded("\"abc\"")));
  CHECK(!array_length(encoded("null")));
  CHECK(as_text(encoded(R"("a\"b\u00e9")")) == "a\"b\xC3\xA9");
  CHECK(as_text(encoded("-1.50e+3")) == "-1.50e+3");
  CHECK(as_text(encoded("true")) == "true");
  CHECK(as_text(encoded("false")) == "false");
  CHECK(!as_text(encoded("null")));
  CHECK(as_text(encoded(R"({"a":[1,2]})")) == R"({"a": [1, 2]})");
  CHECK(as_text(encoded("[]")) == "[]");
  CHECK(as_text(encoded("\"\"")) == "");
}

void test_contains() {
  // Examples from the Postgres documentation (section 8.14.3, jsonb containment).
  CHECK(contains_text(R"({"a":1, "b":2})", R"({"b":2})"));
  CHECK(contains_text(R"("foo")", R"("foo")"));
  CHECK(contains_text("[1, 2, 3]", "[1, 3]"));
  CHECK(contains_text("[1, 2, 3]", "[3, 1]"));
  CHECK(contains_text("[1, 2, 3]", "[1, 2, 2]"));
  CHECK(contains_text(R"({"product": "PostgreSQL", "version": 9.4, "jsonb": true})", R"({"version": 9.4})"));
  CHECK(!contains_text("[1, 2, [1, 3]]", "[1, 3]"));
  CHECK(contains_text("[1, 2, [1, 3]]", "[[1, 3]]"));
  CHECK(contains_text("[1, 2, [3, 4]]", "[[3]]"));
  CHECK(!contains_text(R"({"foo": {"bar": "baz"}})", R"({"bar": "baz"})"));
  CHECK(contains_text(R"({"foo": {"bar": "baz"}})", R"({"foo": {}})"));
  CHECK(contains_text(R"(["foo", "bar"])", R"("foo")"));
  CHECK(!contains_text(R"({"foo": "bar"})", R"("bar")"));
  CHECK(contains_text(R"(["foo", "bar", "baz"])", R"(["bar"])"));
  // A top-level scalar is contained in an array holding it, but not the reverse.
  CHECK(contains_text("[1, 2]", "1"));
  CHECK(!contains_text("[1, 2]", "3"));
  CHECK(!contains_text("[[1], 2]", "1"));
  CHECK(!contains_text("1", "[1]"));
  CHECK(contains_text("1", "1.0"));
  CHECK(!contains_text("1", "\"1\""));
  CHECK(contains_text("null", "null"));
  CHECK(!contains_text("true", "false"));
  // Objects and arrays never contain one another at the top level.
  CHECK(!contains_text(R"({"a": 1})", "[]"));
  CHECK(!contains_text(R"([{"a": 1}])", R"({"a": 1})"));
  CHECK(contains_text(R"([{"a": 1, "b": 2}])", R"([{"a": 1}])"));
  CHECK(!contains_text(R"([{"a": 1}])", "[[]]"));
  // Empty containers, nesting, numeric equality.
  CHECK(contains_text("{}", "{}"));
  CHECK(contains_text(R"({"a": 1})", "{}"));
  CHECK(contains_text("[]", "[]"));
  CHECK(contains_text("[1]", "[]"));
  CHECK(!contains_text("[]", "[1]"));
  CHECK(contains_text(R"({"a": [1, 2, 3], "b": {"c": [4]}})", R"({"a": [3], "b": {"c": []}})"));
  CHECK(!contains_text(R"({"a": [1, 2, 3]})", R"({"a": 1})"));
  CHECK(!contains_text(R"({"a": 1})", R"({"a": [1]})"));
  CHECK(!contains_text(R"({"a": {}})", R"({"a": []})"));
  CHECK(contains_text(R"({"a": 1.50})", R"({"a": 1.5})"));
  CHECK(!contains_text(R"({"a": 1})", R"({"a": 1, "b": null})"));
  CHECK(contains_text(R"({"a": null, "b": 2})", R"({"a": null})"));
  CHECK(!contains_text(R"({"a": "1"})", R"({"a": 1})"));
  CHECK(contains_text(R"([[1, 2], [3, 4]])", R"([[4, 3], [1]])"));
  CHECK(!contains_text(R"([[1, 2], [3, 4]])", R"([[1, 3]])"));
}

void test_equals() {
  CHECK(equals_text(R"({"a": 1, "b": [1, 2]})", R"({"b": [1.0, 2], "a": 1})"));
  CHECK(!equals_text("[1, 2]", "[2, 1]"));
  CHECK(!equals_text(R"({"a": 1})", R"({"a": 1, "b": 2})"));
  CHECK(!equals_text(R"({"a": 1})", R"({"b": 1})"));
  CHECK(!equals_text("1", "\"1\""));
  CHECK(!equals_text("true", "false"));
  CHECK(!equals_text("[]", "{}"));
  CHECK(!equals_text("[1]", "[[1]]"));
  CHECK(equals_text("null", "null"));
  CHECK(equals_text("\"\\u00e9\"", "\"\xC3\xA9\""));
  CHECK(equals_text(R"({"a": 1, "a": 2})", R"({"a": 2})"));
  // Equal values whose encodings differ in offset width.
  std::string long_string = "\"" + std::string(300, 'q') + "\"";
  CHECK(equals_text("[" + long_string + ", 1.0000]", "[" + long_string + ", 1]"));
  std::string padded = R"({"k": [1, 2, 3.)" + std::string(300, '0') + "]}";
  CHECK(equals_text(padded, R"({"k": [1, 2, 3]})"));
  CHECK(encoded(padded)[0] != encoded(R"({"k": [1, 2, 3]})")[0]);
}

void test_corrupt_bytes() {
  auto print = [](std::string_view bytes) {
    std::string out;
    to_text(bytes, out);
  };
  CHECK(throws_corrupt(print, ""));
  CHECK(throws_corrupt([](std::string_view bytes) { kind_of(bytes); }, ""));
  CHECK(throws_corrupt(print, "\x07"));                // unknown kind
  CHECK(throws_corrupt(print, "\x35\x00"));            // unknown offset width
  CHECK(throws_corrupt(print, "\x13" "1"));            // width code on a scalar
  CHECK(throws_corrupt(print, std::string("\x00\x00", 2)));  // null with trailing bytes
  CHECK(throws_corrupt(print, "\x05"));                // no count
  CHECK(throws_corrupt(print, "\x05\x81"));            // truncated count
  CHECK(throws_corrupt(print, "\x05\xFF\xFF\xFF\xFF\x7F"));  // count above 2^32
  CHECK(throws_corrupt(print, "\x05\xFF\xFF\xFF\xFF\x0F"));  // count larger than the bytes
  CHECK(throws_corrupt(print, "\x05\x01\x02\x02"));    // last offset past the data
  CHECK(throws_corrupt(print, "\x05\x01\x01\x02\x02")); // last offset short of the data
  CHECK(throws_corrupt(print, std::string("\x05\x02\x02\x01\x02" "\x02\x02", 7)));  // decreasing
  CHECK(throws_corrupt(print, std::string("\x05\x02\x00\x01\x02", 5)));  // empty element
  CHECK(throws_corrupt(print, std::string("\x05\x00\x02", 3)));          // data in an empty array
  CHECK(throws_corrupt(print, "\x04\xFF"));            // invalid UTF-8
  CHECK(throws_corrupt(print, "\x03" "1x"));           // malformed number
  CHECK(throws_corrupt(print, "\x03"));                // empty number
  CHECK(throws_corrupt([](std::string_view bytes) { as_text(bytes); }, "\x04\xC3"));
  CHECK(throws_corrupt([](std::string_view bytes) { as_number(bytes); }, "\x03" "--1"));
  CHECK(throws_corrupt([](std::string_view bytes) { object_field(bytes, "a"); }, "\x06\x01\x01"));
  CHECK(throws_corrupt([](std::string_view bytes) { array_element(bytes, 0); }, "\x15\x01\x01"));
  // Valid hand-made encodings read back.
  CHECK(array_length(std::string("\x05\x00", 2)) == 0);
  CHECK(as_text(std::string("\x05\x02\x01\x02\x00\x02", 6)) == "[null, true]");
  CHECK(as_text(std::string("\x15\x01\x02\x00" "\x03" "7", 6)) == "[7]");  // wider offsets than needed
}

// ---------------------------------------------------------------------------------------
// Randomised tests

/** Random JSON text covering every kind, escapes, unicode, duplicate keys and nesting. */
class DocumentGenerator {
 public:
  explicit DocumentGenerator(uint32_t seed) : random_(seed) {}

  std::string document() {
    std::string out;
    value(out, 0);
    return out;
  }

 private:
  size_t below(size_t bound) { return std::uniform_int_distribution<size_t>(0, bound - 1)(random_); }

  void value(std::string& out, int depth) {
    switch (below(depth < 6 ? 9 : 6)) {
      case 0: out += "null"; break;
      case 1: out += below(2) ? "true" : "false"; break;
      case 2: number(out); break;
      case 3:
      case 4:
      case 5: string(out); break;
      case 6:
      case 7: {
        out += "[";
        size_t count = below(6);
        for (size_t i = 0; i < count; ++i) {
          if (i) out += below(2) ? ", " : ",";
          value(out, depth + 1);
        }
        out += "]";
        break;
      }
      default: {
        out += " {";
        size_t count = below(6);
        for (size_t i = 0; i < count; ++i) {
          if (i) out += ",\n";
          string(out);
          out += ": ";
          value(out, depth + 1);
        }
        out += "} ";
      }
    }
  }

  void number(std::string& out) {
    static const char* const kNumbers[] = {"0",     "-0",       "1",          "-17",    "3.25",   "1.50",
                                           "1e3",   "-2.5E-7",  "1e+400",     "0.1",    "123456789012345678901234567890",
                                           "6e-310", "99.0000"};
    out += kNumbers[below(sizeof kNumbers / sizeof kNumbers[0])];
  }

  void string(std::string& out) {
    static const char* const kPieces[] = {"a", "b", "key", "", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0000",
                                          "\\u001f", "\\u00e9", "\xC3\xA9", "\xE6\x97\xA5", "\\uD83D\\uDE00",
                                          "\xF0\x9F\x98\x80", " ", "x"};
    out += "\"";
    size_t count = below(4);
    for (size_t i = 0; i < count; ++i) out += kPieces[below(sizeof kPieces / sizeof kPieces[0])];
    out += "\"";
  }

  std::mt19937 random_;
};

void test_random_round_trips() {
  DocumentGenerator generator(12345);
  bool all_stable = true;
  for (int i = 0; i < 3000; ++i) {
    std::string text = generator.document();
    std::string first = encoded(text);
    std::string compact, spaced;
    to_compact_text(first, compact);
    to_text(first, spaced);
    std::string again = encoded(compact);
    bool stable = again == first && encoded(spaced) == first && equals(first, again) && contains(first, again) &&
                  contains(again, first);
    if (!stable) std::fprintf(stderr, "unstable round trip of %s\n", text.c_str());
    all_stable = all_stable && stable;
  }
  CHECK(all_stable);
}

/** Applies 1 to 4 random byte edits: overwrite, bit flip, insert, delete, truncate. */
std::string mutate(std::string bytes, std::mt19937& random) {
  auto below = [&](size_t bound) { return std::uniform_int_distribution<size_t>(0, bound - 1)(random); };
  size_t edits = 1 + below(4);
  for (size_t e = 0; e < edits; ++e) {
    if (bytes.empty()) {
      bytes.push_back(char(below(256)));
      continue;
    }
    size_t at = below(bytes.size());
    switch (below(5)) {
      case 0: bytes[at] = char(below(256)); break;
      case 1: bytes[at] = char(bytes[at] ^ (1 << below(8))); break;
      case 2: bytes.insert(bytes.begin() + ptrdiff_t(at), char(below(256))); break;
      case 3: bytes.erase(at, 1); break;
      default: bytes.resize(at); break;
    }
  }
  return bytes;
}

void test_fuzz_decoders() {
  DocumentGenerator generator(777);
  std::mt19937 random(4242);
  std::vector<std::string> seeds;
  for (int i = 0; i < 200; ++i) seeds.push_back(encoded(generator.document()));
  seeds.push_back(encoded(R"({"a": {"b": [10, 20, {"c": "x"}]}, "n": null, "1": "one"})"));
  seeds.push_back(encoded("[" + std::string(300, '1') + ", \"" + std::string(300, 'y') + "\"]"));
  size_t corrupt_count = 0, readable_count = 0;
  bool outputs_reparse = true;
  const int iterations = 200000;
  for (int i = 0; i < iterations; ++i) {
    const std::string& seed = seeds[size_t(i) % seeds.size()];
    std::string damaged = mutate(seed, random);
    try {
      std::string text, compact;
      to_text(damaged, text);
      to_compact_text(damaged, compact);
      // Whatever decodes prints as valid JSON.
      if (error_offset(text) != kNoError || error_offset(compact) != kNoError) outputs_reparse = false;
      ++readable_count;
    } catch (const JsonbCorrupt&) {
      ++corrupt_count;
    }
    auto attempt = [&](auto action) {
      try {
        action();
      } catch (const JsonbCorrupt&) {
      }
    };
    attempt([&] { path(damaged, {"a", "b", "-1", "c"}); });
    attempt([&] { path(damaged, {"0", "1"}); });
    attempt([&] { object_field(damaged, "k"); });
    attempt([&] { array_element(damaged, -1); });
    attempt([&] { array_length(damaged); });
    attempt([&] { as_text(damaged); });
    attempt([&] { as_number(damaged); });
    attempt([&] { kind_of(damaged); });
    attempt([&] { contains(damaged, seed); });
    attempt([&] { contains(seed, damaged); });
    attempt([&] { contains(damaged, damaged); });
    attempt([&] { equals(damaged, seed); });
    attempt([&] { equals(damaged, damaged); });
  }
  CHECK(outputs_reparse);
  CHECK(corrupt_count > 0);
  CHECK(readable_count > 0);
  std::printf("fuzz: %zu damaged encodings rejected, %zu still readable\n", corrupt_count, readable_count);
}

void test_fuzz_parser() {
  DocumentGenerator generator(99);
  std::mt19937 random(7);
  bool errors_in_range = true;
  size_t rejected = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string text = mutate(generator.document(), random);
    size_t offset = error_offset(text);
    if (offset == kNoError) continue;
    ++rejected;
    errors_in_range = errors_in_range && offset <= text.size();
  }
  CHECK(errors_in_range);
  CHECK(rejected > 0);
}

// Timings for information only (a sanitizer build is far slower); not checked.
void report_speed() {
  const std::string text =
      R"({"step": 12, "action": "click", "target": {"x": 104, "y": 233}, "reward": 0.5, "done": false, "tags": ["ui"]})";
  std::string out;
  const int rounds = 200000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    out.clear();
    encode(text, out);
  }
  auto middle = std::chrono::steady_clock::now();
  std::string printed;
  for (int i = 0; i < rounds; ++i) {
    printed.clear();
    to_compact_text(out, printed);
  }
  auto end = std::chrono::steady_clock::now();
  size_t found = 0;
  for (int i = 0; i < rounds; ++i) found += path(out, {"target", "y"}).has_value();
  auto after_path = std::chrono::steady_clock::now();
  auto nanoseconds = [&](auto from, auto to) {
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count()) / rounds;
  };
  std::printf("speed: %zu-byte object: encode %.0f ns, to_compact_text %.0f ns, path %.0f ns (%zu bytes encoded)\n",
              text.size(), nanoseconds(start, middle), nanoseconds(middle, end), nanoseconds(end, after_path),
              out.size());
  CHECK(found == size_t(rounds));
}

}  // namespace

int main() {
  test_round_trips();
  test_escapes_and_unicode();
  test_numbers();
  test_key_order_and_duplicates();
  test_malformed_input();
  test_depth_limit();
  test_path_access();
  test_array_length_and_as_text();
  test_contains();
  test_equals();
  test_corrupt_bytes();
  test_random_round_trips();
  test_fuzz_parser();
  test_fuzz_decoders();
  report_speed();
  return replaydb_test::report_passed();
}
