// UTF-8 helpers for the text kernels (string functions, LIKE). Text values are valid UTF-8
// (every input path checks it), so character boundaries are found by skipping continuation
// bytes; a stray byte still counts as one character and is never read past the end.
//
// Case mapping is the simple one-to-one mapping of Unicode for ASCII, Latin-1, Latin
// Extended-A, Greek, Cyrillic, Armenian and fullwidth Latin letters; other characters are
// left as they are, and no mapping changes the number of characters (ß stays ß, as with
// Postgres on glibc).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace replaydb {

inline bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/** Number of characters in `text`. */
inline size_t utf8_length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += !is_utf8_continuation(c);
  return count;
}

/** Byte length of the character that starts at byte `at` (at < text.size()). */
inline size_t utf8_char_bytes(std::string_view text, size_t at) {
  size_t end = at + 1;
  while (end < text.size() && is_utf8_continuation(static_cast<unsigned char>(text[end]))) end++;
  return end - at;
}

/** Byte offset of character `chars` (0-based) of `text`, or text.size() past the end. */
inline size_t utf8_offset(std::string_view text, size_t chars) {
  size_t at = 0;
  while (chars > 0 && at < text.size()) {
    at += utf8_char_bytes(text, at);
    chars--;
  }
  return at;
}

inline bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (unsigned char c : text) any |= c;
  return any < 0x80;
}

/** Appends `text` lower-cased (upper-cased) to `out`. */
void append_lower(std::string_view text, std::string& out);
void append_upper(std::string_view text, std::string& out);

}  // namespace replaydb
