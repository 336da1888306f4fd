// JSONB: the binary encoding of JSON values stored in JSONB columns, with the path access,
// containment and equality that SQL operators (->, ->>, #>, #>>, @>, jsonb_array_length)
// evaluate directly on the bytes, and the conversions from and to JSON text. Input follows
// RFC 8259 strictly, as Postgres' jsonb input does; output copies Postgres' jsonb spacing
// (to_text) or JSON.stringify's (to_compact_text). Decoders trust nothing: every read is
// bounds-checked and damaged bytes raise JsonbCorrupt, never a crash.
//
// Format version 1 (FORMAT.md, "JSONB values"). An encoded value is a byte string whose
// extent is known from outside (a column's u32 offsets, or its parent's offset table); a
// value carries no length or version of its own, the JSONB column type implies version 1.
// The first byte is a tag: its low nibble is the Kind (0 null, 1 false, 2 true, 3 number,
// 4 string, 5 array, 6 object) and its high nibble is 0 for scalars; other tags are
// reserved. null/false/true are the tag alone. A number is the tag followed by its decimal
// text exactly as written in the input (RFC 8259 number grammar, ASCII, e.g. "1.50",
// "-2E+10"). A string is the tag followed by its unescaped UTF-8 bytes (valid UTF-8; may
// contain U+0000). A container's tag has an offset width code in its high nibble (0: 1-byte,
// 1: 2-byte, 2: 4-byte offsets, the smallest that holds its data size), followed by the
// member count n as an unsigned LEB128 varint (at most 5 bytes), an offset table, and the
// data area. An array's table has n entries; an object's has 2n: first the n keys, then the
// n values. Each entry is the little-endian end offset of its item relative to the start of
// the data area; item j spans [end(j-1), end(j)) with end(-1) = 0, offsets never decrease
// and the last equals the data area size. Array items and object values are encoded values
// (never empty); object keys are raw UTF-8 bytes with no tag. Keys are unique (the last
// duplicate in the input wins) and sorted by byte length, then bytewise (memcmp), the
// order Postgres jsonb uses, so a key is found by binary search and an item by index in
// O(1). Containers nest at most kMaxDepth deep.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace replaydb::jsonb {

constexpr uint32_t kJsonbFormatVersion = 1;
/** Deepest nesting of arrays and objects that encode() accepts and decoders read. */
constexpr size_t kMaxDepth = 1000;

/** Thrown by encode() for malformed JSON text: `offset` is the 0-based byte offset in the
 *  input where parsing failed (the input size when the text ends too early). */
struct JsonParseError : std::runtime_error {
  size_t offset;
  JsonParseError(const std::string& message, size_t offset);
};

/** Thrown by decoders when bytes are not a valid encoding (corrupt data). */
struct JsonbCorrupt : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** JSON text → binary encoding, appended to `out`. Strict RFC 8259: one value with
 *  optional surrounding whitespace, valid UTF-8, no lone surrogates in \u escapes, nesting
 *  at most kMaxDepth. On error `out` is left as it was. */
void encode(std::string_view json_text, std::string& out);
/** Binary → JSON text with Postgres' jsonb spacing: `{"a": 1, "b": [1, 2]}`. */
void to_text(std::string_view encoded, std::string& out);
/** Binary → JSON text without spaces, as JSON.stringify prints it: `{"a":1,"b":[1,2]}`. */
void to_compact_text(std::string_view encoded, std::string& out);

enum class Kind : uint8_t { Null, False, True, Number, String, Array, Object };
Kind kind_of(std::string_view encoded);

// Path access returns a view into `encoded` (no copy) that is itself an encoded value;
// nullopt when the key or index is missing or the value has the wrong kind.

/** The value of `key` in an object: binary search on the sorted keys. */
std::optional<std::string_view> object_field(std::string_view encoded, std::string_view key);
/** Element `index` of an array; a negative index counts from the end (-1 is the last). */
std::optional<std::string_view> array_element(std::string_view encoded, int64_t index);
/** #> semantics: each key selects an object field, or, on an array, an element when the key
 *  is an integer (optional sign, decimal digits, negative counts from the end). An empty
 *  path selects the whole value. */
std::optional<std::string_view> path(std::string_view encoded, const std::vector<std::string>& keys);
/** Number of elements of an array; nullopt for anything else. */
std::optional<int64_t> array_length(std::string_view encoded);
/** ->> semantics: a string's raw UTF-8 (unescaped), a number's text as written, true/false,
 *  nullopt for null, and a container's JSON text as to_text prints it. */
std::optional<std::string> as_text(std::string_view encoded);
/** A number's value as the nearest double (±infinity or ±0 when out of range); nullopt for
 *  other kinds. */
std::optional<double> as_number(std::string_view encoded);
/** Postgres @> containment: every pair of an rhs object is in the lhs object (values
 *  contained recursively), every element of an rhs array is contained in some element of
 *  the lhs array (scalars must appear at the lhs array's top level), a top-level scalar rhs
 *  is contained in a top-level lhs array that has it as an element, and scalars are
 *  contained in equal scalars. */
bool contains(std::string_view lhs, std::string_view rhs);
/** Structural equality; numbers compare by exact decimal value (1.50 equals 1.5). */
bool equals(std::string_view a, std::string_view b);

}  // namespace replaydb::jsonb
