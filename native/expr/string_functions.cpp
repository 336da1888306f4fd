// String functions over TEXT (UTF-8), counted in characters as Postgres counts them:
// length/char_length, octet_length, lower, upper, substr/substring, left, right, strpos,
// starts_with, replace, btrim/ltrim/rtrim, concat, concat_ws and the || operator. Every
// function except concat/concat_ws is strict (NULL in, NULL out). Each kernel is one loop
// over the batch's rows writing into a builder; substrings are appended straight from the
// input bytes, and scratch strings are reused across rows.
#include <limits>
#include <optional>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"
#include "expr/text_util.hpp"

namespace replaydb {
namespace {

constexpr DataType kText{TypeId::Text, 0};

// ---------------------------------------------------------------------------------------
// Case mapping (see text_util.hpp for what is covered)

uint32_t lower_code_point(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x130) return 'i';
  if (c >= 0x100 && c <= 0x137) return (c % 2 == 0) ? c + 1 : c;
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return (c % 2 == 0) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return (c % 2 == 0) ? c + 1 : c;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  return c;
}

uint32_t upper_code_point(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if (c == 0x131) return 'I';
  if (c >= 0x100 && c <= 0x137) return (c % 2 == 1) ? c - 1 : c;
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 0) ? c - 1 : c;
  if (c >= 0x14A && c <= 0x177) return (c % 2 == 1) ? c - 1 : c;
  if (c >= 0x179 && c <= 0x17E) return (c % 2 == 0) ? c - 1 : c;
  if (c == 0x17F) return 'S';
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x3B1 && c <= 0x3CB) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return (c % 2 == 1) ? c - 1 : c;
  if (c >= 0x561 && c <= 0x586) return c - 48;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
  return c;
}

void append_code_point(uint32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(char(c));
  } else if (c < 0x800) {
    out.push_back(char(0xC0 | (c >> 6)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(char(0xE0 | (c >> 12)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (c >> 18)));
    out.push_back(char(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  }
}

template <uint32_t (*Map)(uint32_t)>
void append_mapped(std::string_view text, std::string& out) {
  const size_t start = out.size();
  if (is_ascii(text)) {
    out.append(text);
    for (size_t i = start; i < out.size(); i++) out[i] = char(Map(static_cast<unsigned char>(out[i])));
    return;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t at = 0;
  while (at < text.size()) {
    const unsigned char lead = bytes[at];
    const size_t length = utf8_char_bytes(text, at);
    const size_t expected = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (expected != length || expected > 3) {  // 4-byte characters have no mapping here; stray bytes stay
      out.append(text.substr(at, length));
      at += length;
      continue;
    }
    uint32_t c = expected == 1 ? lead : expected == 2 ? (lead & 0x1F) : (lead & 0x0F);
    for (size_t k = 1; k < length; k++) c = (c << 6) | (bytes[at + k] & 0x3F);
    append_code_point(Map(c), out);
    at += length;
  }
}

// ---------------------------------------------------------------------------------------
// Kernel shapes

/** A strict function whose result is a view of its first argument (or any bytes that stay
 *  alive until appended): f(args, row) → std::string_view. */
template <typename F>
Datum text_view_kernel(const Expression& e, const Batch& batch, F f) {
  const Arguments args = evaluate_arguments(e, batch);
  VariableBuilder out(kText, args.rows);
  for (size_t i = 0; i < args.rows; i++) {
    if (args.any_null(i)) {
      out.append_null();
    } else {
      out.append(f(args, i));
    }
  }
  return out.finish(args.broadcast);
}

/** A strict function that builds its result: f(args, row, out) appends to a cleared scratch string. */
template <typename F>
Datum text_build_kernel(const Expression& e, const Batch& batch, F f) {
  const Arguments args = evaluate_arguments(e, batch);
  VariableBuilder out(kText, args.rows);
  std::string scratch;
  for (size_t i = 0; i < args.rows; i++) {
    if (args.any_null(i)) {
      out.append_null();
      continue;
    }
    scratch.clear();
    f(args, i, scratch);
    out.append(scratch);
  }
  return out.finish(args.broadcast);
}

/** A strict function with a fixed-width result of C++ type T: f(args, row) → T. */
template <typename T, typename F>
Datum fixed_kernel(const Expression& e, const Batch& batch, F f) {
  const Arguments args = evaluate_arguments(e, batch);
  FixedBuilder<T> out(e.type, args.rows);
  for (size_t i = 0; i < args.rows; i++) {
    if (args.any_null(i)) {
      out.set_null(i);
    } else {
      out.set(i, f(args, i));
    }
  }
  return out.finish(args.broadcast);
}

int32_t int_argument(const Arguments& args, size_t arg, size_t row) { return value_at_row<int32_t>(args[arg], row); }

// ---------------------------------------------------------------------------------------
// Substrings

/** Characters [begin, end) (0-based, clamped) of `text`. */
std::string_view character_range(std::string_view text, int64_t begin, int64_t end) {
  if (begin < 0) begin = 0;
  if (end <= begin) return {};
  if (is_ascii(text)) {
    const size_t size = text.size();
    const size_t from = size_t(std::min<int64_t>(begin, int64_t(size)));
    const size_t to = size_t(std::min<int64_t>(end, int64_t(size)));
    return text.substr(from, to - from);
  }
  const size_t from = utf8_offset(text, size_t(begin));
  const std::string_view rest = text.substr(from);
  const int64_t wanted = end - begin;
  if (wanted >= int64_t(rest.size())) return rest;
  return rest.substr(0, utf8_offset(rest, size_t(wanted)));
}

Datum substr(const Expression& e, const Batch& batch) {
  const bool has_count = e.args.size() == 3;
  return text_view_kernel(e, batch, [&](const Arguments& args, size_t i) {
    const int64_t start = int_argument(args, 1, i);  // 1-based, may be ≤ 0
    int64_t end = std::numeric_limits<int64_t>::max();
    if (has_count) {
      const int64_t count = int_argument(args, 2, i);
      if (count < 0) throw EngineError("substring_error", "negative substring length not allowed", -1, e.id);
      end = start + count;
    }
    return character_range(text_at(args[0], i), start - 1, end == std::numeric_limits<int64_t>::max() ? end : end - 1);
  });
}

Datum left(const Expression& e, const Batch& batch) {
  return text_view_kernel(e, batch, [](const Arguments& args, size_t i) {
    const std::string_view text = text_at(args[0], i);
    const int64_t n = int_argument(args, 1, i);
    if (n >= 0) return character_range(text, 0, n);
    return character_range(text, 0, int64_t(utf8_length(text)) + n);  // all but the last |n|
  });
}

Datum right(const Expression& e, const Batch& batch) {
  return text_view_kernel(e, batch, [](const Arguments& args, size_t i) {
    const std::string_view text = text_at(args[0], i);
    const int64_t n = int_argument(args, 1, i);
    const int64_t length = int64_t(utf8_length(text));
    const int64_t skip = n >= 0 ? length - n : -n;  // n < 0: all but the first |n|
    return character_range(text, skip, length);
  });
}

// ---------------------------------------------------------------------------------------
// Trimming: the characters of the optional second argument (default: a space) are removed
// from the start (ltrim), the end (rtrim) or both (btrim).

struct TrimSet {
  bool ascii_only = true;
  bool ascii[128] = {};
  std::string_view characters;

  explicit TrimSet(std::string_view set) : characters(set) {
    for (unsigned char c : set) {
      if (c < 0x80) {
        ascii[c] = true;
      } else {
        ascii_only = false;
      }
    }
  }
  /** Bytes of the trimmable character at byte `at` of `text`, or 0. */
  size_t match(std::string_view text, size_t at) const {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) return ascii[c] ? 1 : 0;
    if (ascii_only) return 0;
    const size_t length = utf8_char_bytes(text, at);
    const std::string_view character = text.substr(at, length);
    for (size_t k = 0; k < characters.size(); k += utf8_char_bytes(characters, k)) {
      if (characters.substr(k, utf8_char_bytes(characters, k)) == character) return length;
    }
    return 0;
  }
};

std::string_view trim_text(std::string_view text, const TrimSet& set, bool leading, bool trailing) {
  size_t begin = 0, end = text.size();
  if (leading) {
    while (begin < end) {
      const size_t length = set.match(text, begin);
      if (length == 0) break;
      begin += length;
    }
  }
  if (trailing) {
    while (end > begin) {
      size_t last = end - 1;
      while (last > begin && is_utf8_continuation(static_cast<unsigned char>(text[last]))) last--;
      if (set.match(text, last) != end - last) break;
      end = last;
    }
  }
  return text.substr(begin, end - begin);
}

template <bool Leading, bool Trailing>
Datum trim(const Expression& e, const Batch& batch) {
  const bool has_set = e.args.size() == 2;
  std::optional<TrimSet> constant_set;
  return text_view_kernel(e, batch, [&](const Arguments& args, size_t i) {
    if (!has_set) {
      static const TrimSet space(" ");
      return trim_text(text_at(args[0], i), space, Leading, Trailing);
    }
    if (args[1].broadcast) {
      if (!constant_set) constant_set.emplace(text_at(args[1], 0));
      return trim_text(text_at(args[0], i), *constant_set, Leading, Trailing);
    }
    return trim_text(text_at(args[0], i), TrimSet(text_at(args[1], i)), Leading, Trailing);
  });
}

// ---------------------------------------------------------------------------------------
// Concatenation

/** The arguments of concat/concat_ws as text datums: non-text ones printed by their output
 *  functions (booleans as t/f). */
Arguments textual_arguments(const Expression& e, const Batch& batch) {
  Arguments args = evaluate_arguments(e, batch);
  for (Datum& value : args.values) {
    if (value.view.type.id != TypeId::Text) value = to_text(value, batch.size, TextStyle::Output, e.id);
  }
  return args;
}

Datum concat(const Expression& e, const Batch& batch) {
  const Arguments args = textual_arguments(e, batch);
  VariableBuilder out(kText, args.rows);
  std::string scratch;
  for (size_t i = 0; i < args.rows; i++) {
    scratch.clear();
    for (const Datum& value : args.values) {
      if (!value.is_null(i)) scratch.append(text_at(value, i));
    }
    out.append(scratch);
  }
  return out.finish(args.broadcast);
}

Datum concat_ws(const Expression& e, const Batch& batch) {
  const Arguments args = textual_arguments(e, batch);
  VariableBuilder out(kText, args.rows);
  std::string scratch;
  for (size_t i = 0; i < args.rows; i++) {
    if (args[0].is_null(i)) {
      out.append_null();
      continue;
    }
    const std::string_view separator = text_at(args[0], i);
    scratch.clear();
    bool first = true;
    for (size_t a = 1; a < args.size(); a++) {
      if (args[a].is_null(i)) continue;
      if (!first) scratch.append(separator);
      scratch.append(text_at(args[a], i));
      first = false;
    }
    out.append(scratch);
  }
  return out.finish(args.broadcast);
}

Datum concat_operator(const Expression& e, const Batch& batch) {
  return text_build_kernel(e, batch, [](const Arguments& args, size_t i, std::string& out) {
    out.append(text_at(args[0], i));
    out.append(text_at(args[1], i));
  });
}

// ---------------------------------------------------------------------------------------
// Searching and replacing

Datum strpos(const Expression& e, const Batch& batch) {
  return fixed_kernel<int32_t>(e, batch, [](const Arguments& args, size_t i) {
    const std::string_view text = text_at(args[0], i);
    const size_t found = text.find(text_at(args[1], i));
    return found == std::string_view::npos ? 0 : int32_t(utf8_length(text.substr(0, found)) + 1);
  });
}

Datum starts_with(const Expression& e, const Batch& batch) {
  return fixed_kernel<uint8_t>(e, batch, [](const Arguments& args, size_t i) {
    const std::string_view text = text_at(args[0], i), prefix = text_at(args[1], i);
    return uint8_t(text.substr(0, prefix.size()) == prefix);
  });
}

Datum replace(const Expression& e, const Batch& batch) {
  return text_build_kernel(e, batch, [](const Arguments& args, size_t i, std::string& out) {
    const std::string_view text = text_at(args[0], i), from = text_at(args[1], i), to = text_at(args[2], i);
    if (from.empty()) {
      out.append(text);
      return;
    }
    size_t at = 0;
    for (size_t found = text.find(from); found != std::string_view::npos; found = text.find(from, at)) {
      out.append(text.substr(at, found - at));
      out.append(to);
      at = found + from.size();
    }
    out.append(text.substr(at));
  });
}

// ---------------------------------------------------------------------------------------
// Lengths and case

Datum length(const Expression& e, const Batch& batch) {
  return fixed_kernel<int32_t>(e, batch, [](const Arguments& args, size_t i) { return int32_t(utf8_length(text_at(args[0], i))); });
}

Datum octet_length(const Expression& e, const Batch& batch) {
  return fixed_kernel<int32_t>(e, batch, [](const Arguments& args, size_t i) { return int32_t(text_at(args[0], i).size()); });
}

Datum lower(const Expression& e, const Batch& batch) {
  return text_build_kernel(e, batch, [](const Arguments& args, size_t i, std::string& out) { append_lower(text_at(args[0], i), out); });
}

Datum upper(const Expression& e, const Batch& batch) {
  return text_build_kernel(e, batch, [](const Arguments& args, size_t i, std::string& out) { append_upper(text_at(args[0], i), out); });
}

}  // namespace

void append_lower(std::string_view text, std::string& out) { append_mapped<lower_code_point>(text, out); }
void append_upper(std::string_view text, std::string& out) { append_mapped<upper_code_point>(text, out); }

void add_string_functions(FunctionTable& table) {
  table["length"] = length;
  table["octet_length"] = octet_length;
  table["lower"] = lower;
  table["upper"] = upper;
  table["substr"] = substr;
  table["left"] = left;
  table["right"] = right;
  table["strpos"] = strpos;
  table["starts_with"] = starts_with;
  table["replace"] = replace;
  table["btrim"] = trim<true, true>;
  table["ltrim"] = trim<true, false>;
  table["rtrim"] = trim<false, true>;
  table["concat"] = concat;
  table["concat_ws"] = concat_ws;
  table["||"] = concat_operator;
}

}  // namespace replaydb
