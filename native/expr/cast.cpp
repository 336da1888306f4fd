// CAST between types, as Postgres converts them:
//  * numeric ↔ numeric (and ↔ timestamp microseconds) with range checks; floats round half
//    to even into integers, as Postgres' float-to-int casts do (rint);
//  * boolean ↔ integer (true = 1; any non-zero integer is true);
//  * anything → text, in Postgres' output formats: floats as the shortest text that reads
//    back exactly (exponent form below 1e-4 and from 1e15, 1e6 for real), booleans as
//    true/false (t/f for the output style concat() uses), timestamps as
//    'YYYY-MM-DD HH:MM:SS[.ffffff]', vectors as '[1,2.5]', JSONB with Postgres' spacing;
//  * text → anything, parsed as Postgres' input functions do (surrounding whitespace allowed;
//    invalid input is invalid_text_representation naming the value and pointing at the cast);
//  * jsonb → numeric or boolean for JSON numbers and booleans (other kinds, JSON null
//    included, are invalid_parameter_value as in Postgres).
// A constant input is converted once and stays a broadcast constant.
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

#include "common/timestamp.hpp"
#include "expr/datum_util.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

constexpr DataType kText{TypeId::Text, 0};

// ---------------------------------------------------------------------------------------
// Values → text

template <typename T>
void append_integer(T value, std::string& out) {
  char buffer[24];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, size_t(printed.ptr - buffer));
}

/** Postgres' float4out/float8out (extra_float_digits = 1, the default since Postgres 12). */
template <typename F>
void append_float(F value, std::string& out) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  if (value == 0) {
    out.append(std::signbit(value) ? "-0" : "0");
    return;
  }
  char buffer[64];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, size_t(printed.ptr - buffer));  // shortest: "-d.ddde±XX"
  if (text.front() == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  const size_t exponent_at = text.find('e');
  std::string digits;
  for (char c : text.substr(0, exponent_at)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::string_view exponent_text = text.substr(exponent_at + 1);
  const bool negative_exponent = exponent_text.front() == '-';
  if (exponent_text.front() == '+' || exponent_text.front() == '-') exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  if (negative_exponent) exponent = -exponent;
  const int fixed_limit = std::is_same_v<F, float> ? 6 : 15;  // FLT_DIG / DBL_DIG, as printf %g
  if (exponent < -4 || exponent >= fixed_limit) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out.push_back('0');
    append_integer(magnitude, out);
  } else if (exponent >= 0) {
    const size_t integer_digits = size_t(exponent) + 1;
    if (digits.size() <= integer_digits) {
      out.append(digits);
      out.append(integer_digits - digits.size(), '0');
    } else {
      out.append(digits, 0, integer_digits);
      out.push_back('.');
      out.append(digits, integer_digits, std::string::npos);
    }
  } else {
    out.append("0.");
    out.append(size_t(-exponent - 1), '0');
    out.append(digits);
  }
}

/** Postgres' timestamp output (ISO DateStyle): 'YYYY-MM-DD HH:MM:SS[.ffffff]', trailing
 *  zeros of the fraction dropped, years before 1 written as 'YYYY-MM-DD … BC'. */
void append_timestamp(int64_t micros, std::string& out) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  int64_t days = micros / kMicrosPerDay;
  int64_t time = micros % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    days--;
  }
  // civil_from_days (Howard Hinnant's algorithm)
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  const int64_t seconds = time / 1'000'000, fraction = time % 1'000'000;
  char buffer[64];
  const int length = std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", (long long)(year > 0 ? year : 1 - year),
                                   (long long)month, (long long)day, (long long)(seconds / 3600), (long long)(seconds / 60 % 60),
                                   (long long)(seconds % 60));
  out.append(buffer, size_t(length));
  if (fraction != 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%06lld", (long long)fraction);
    size_t kept = 6;
    while (digits[kept - 1] == '0') kept--;
    out.push_back('.');
    out.append(digits, kept);
  }
  if (year <= 0) out.append(" BC");
}

/** pgvector's output: '[1,2.5,3]'. */
void append_vector(const uint8_t* values, uint32_t dimension, std::string& out) {
  out.push_back('[');
  for (uint32_t k = 0; k < dimension; k++) {
    if (k > 0) out.push_back(',');
    float v;
    std::memcpy(&v, values + size_t(k) * sizeof(float), sizeof v);
    append_float(v, out);
  }
  out.push_back(']');
}

// ---------------------------------------------------------------------------------------
// Text → values

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim_space(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

[[noreturn]] void invalid_input(const DataType& type, std::string_view text, int id) {
  throw EngineError("invalid_text_representation", "invalid input syntax for type " + type.name() + ": \"" + std::string(text) + "\"", -1, id);
}

[[noreturn]] void out_of_range(const DataType& type, std::string_view text, int id) {
  throw EngineError("numeric_value_out_of_range", "value \"" + std::string(text) + "\" is out of range for type " + type.name(), -1, id);
}

template <typename T>
T parse_integer(std::string_view text, const DataType& type, int id) {
  std::string_view digits = trim_space(text);
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);
    if (!digits.empty() && digits.front() == '-') invalid_input(type, text, id);
  }
  T value{};
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || parsed.ptr != digits.data() + digits.size()) {
    if (parsed.ec == std::errc::result_out_of_range) out_of_range(type, text, id);
    invalid_input(type, text, id);
  }
  if (parsed.ec == std::errc::result_out_of_range) out_of_range(type, text, id);
  return value;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

/** float4in / float8in: strtod's syntax plus NaN, [+-]Infinity and [+-]inf in any case;
 *  a value that overflows (or underflows to zero) is out of range. */
template <typename F>
F parse_float(std::string_view text, const DataType& type, int id, std::string& scratch) {
  const std::string_view trimmed = trim_space(text);
  if (trimmed.empty()) invalid_input(type, text, id);
  scratch.assign(trimmed);
  errno = 0;
  char* end = nullptr;
  const F value = std::is_same_v<F, float> ? F(std::strtof(scratch.c_str(), &end)) : F(std::strtod(scratch.c_str(), &end));
  if (end != scratch.c_str() + scratch.size()) invalid_input(type, text, id);
  if (errno == ERANGE && (value == 0 || std::isinf(value))) out_of_range(type, text, id);
  return value;
}

/** boolin: true/yes/on/1 and false/no/off/0, any unique prefix, any case. */
uint8_t parse_boolean(std::string_view text, const DataType& type, int id) {
  const std::string_view word = trim_space(text);
  auto prefix_of = [&](std::string_view full, size_t minimum) {
    return word.size() >= minimum && word.size() <= full.size() && equals_ignoring_case(word, full.substr(0, word.size()));
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || word == "1") return 1;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || word == "0") return 0;
  invalid_input(type, text, id);
}

/** pgvector's input: '[1, 2.5, 3]'. */
void parse_vector(std::string_view text, const DataType& type, int id, std::string& scratch, float* values) {
  scratch.assign(trim_space(text));
  if (scratch.size() < 2 || scratch.front() != '[' || scratch.back() != ']') invalid_input(type, text, id);
  const char* p = scratch.c_str() + 1;
  const char* last = scratch.c_str() + scratch.size() - 1;
  uint32_t count = 0;
  while (is_space(*p)) p++;
  if (p != last) {
    for (;;) {
      char* end = nullptr;
      const float v = std::strtof(p, &end);
      if (end == p) invalid_input(type, text, id);
      if (!std::isfinite(v)) {
        throw EngineError("data_exception", "vector contains NaN or Infinity (or a value out of float32 range)", -1, id);
      }
      if (count < type.dimension) values[count] = v;
      count++;
      p = end;
      while (is_space(*p)) p++;
      if (p == last) break;
      if (*p != ',') invalid_input(type, text, id);
      p++;
    }
  }
  if (count != type.dimension) {
    throw EngineError("data_exception", "expected " + std::to_string(type.dimension) + " dimensions, not " + std::to_string(count), -1, id);
  }
}

Datum text_to_variable(const Datum& input, size_t rows, const DataType& to, int id) {
  VariableBuilder out(to, rows);
  std::string encoded;
  for (size_t i = 0; i < rows; i++) {
    if (input.is_null(i)) {
      out.append_null();
      continue;
    }
    encoded.clear();
    try {
      jsonb::encode(text_at(input, i), encoded);
    } catch (const jsonb::JsonParseError& error) {
      throw EngineError("invalid_json", std::string("invalid input syntax for type json: ") + error.what() + " at offset " +
                                            std::to_string(error.offset), -1, id);
    }
    out.append(encoded);
  }
  return out.finish(input.broadcast);
}

Datum text_to_fixed(const Datum& input, size_t rows, const DataType& to, int id) {
  auto out = std::make_shared<Column>(to);
  const size_t width = to.width();
  out->data().assign(rows * width, 0);
  uint8_t* data = out->data().data();
  std::string scratch;
  auto each = [&](auto parse) {
    for (size_t i = 0; i < rows; i++) {
      if (!input.is_null(i)) parse(text_at(input, i), data + i * width);
    }
  };
  auto store = [](uint8_t* at, auto value) { std::memcpy(at, &value, sizeof value); };
  switch (to.id) {
    case TypeId::Int: each([&](std::string_view text, uint8_t* at) { store(at, parse_integer<int32_t>(text, to, id)); }); break;
    case TypeId::BigInt: each([&](std::string_view text, uint8_t* at) { store(at, parse_integer<int64_t>(text, to, id)); }); break;
    case TypeId::Real: each([&](std::string_view text, uint8_t* at) { store(at, parse_float<float>(text, to, id, scratch)); }); break;
    case TypeId::Double: each([&](std::string_view text, uint8_t* at) { store(at, parse_float<double>(text, to, id, scratch)); }); break;
    case TypeId::Boolean: each([&](std::string_view text, uint8_t* at) { *at = parse_boolean(text, to, id); }); break;
    case TypeId::Timestamp:
      each([&](std::string_view text, uint8_t* at) {
        const std::optional<int64_t> micros = parse_timestamp(text);
        if (!micros) invalid_input(to, text, id);
        store(at, *micros);
      });
      break;
    case TypeId::Vector:
      each([&](std::string_view text, uint8_t* at) { parse_vector(text, to, id, scratch, reinterpret_cast<float*>(at)); });
      break;
    default: throw EngineError("internal_error", "cast from text to " + to.name(), -1, id);
  }
  copy_validity(input, rows, *out);
  out->set_size(rows);
  return finish_datum(std::move(out), input.broadcast);
}

// ---------------------------------------------------------------------------------------
// JSONB → scalars

[[noreturn]] void wrong_json_kind(jsonb::Kind kind, const DataType& to, int id) {
  static const char* const kNames[] = {"null", "boolean", "boolean", "numeric", "string", "array", "object"};
  throw EngineError("invalid_parameter_value", std::string("cannot cast jsonb ") + kNames[size_t(kind)] + " to type " + to.name(), -1, id);
}

Datum jsonb_to_fixed(const Datum& input, size_t rows, const DataType& to, int id) {
  auto out = std::make_shared<Column>(to);
  const size_t width = to.width();
  out->data().assign(rows * width, 0);
  std::vector<uint8_t> validity(rows, 1);
  bool any_null = false;
  try {
    for (size_t i = 0; i < rows; i++) {
      uint8_t* at = out->data().data() + i * width;
      if (input.is_null(i)) {
        validity[i] = 0;
        any_null = true;
        continue;
      }
      const std::string_view value = text_at(input, i);
      const jsonb::Kind kind = jsonb::kind_of(value);
      if (to.id == TypeId::Boolean) {
        if (kind != jsonb::Kind::True && kind != jsonb::Kind::False) wrong_json_kind(kind, to, id);
        *at = kind == jsonb::Kind::True;
        continue;
      }
      if (kind != jsonb::Kind::Number) wrong_json_kind(kind, to, id);
      const std::string_view number = value.substr(1);
      const double real = *jsonb::as_number(value);
      if (to.id == TypeId::Double) {
        std::memcpy(at, &real, sizeof real);
      } else if (to.id == TypeId::Real) {
        if (std::isfinite(real) && std::fabs(real) > std::numeric_limits<float>::max()) out_of_range(to, number, id);
        const float v = float(real);
        std::memcpy(at, &v, sizeof v);
      } else {
        // Integers read exactly; other numbers round half away from zero, as numeric → int does.
        int64_t integer = 0;
        const auto parsed = std::from_chars(number.data(), number.data() + number.size(), integer);
        if (parsed.ptr != number.data() + number.size() || parsed.ec != std::errc()) {
          const double rounded = std::round(real);
          if (!(rounded >= -9223372036854775808.0 && rounded < 9223372036854775808.0)) out_of_range(to, number, id);
          integer = int64_t(rounded);
        }
        if (to.id == TypeId::Int) {
          if (integer < std::numeric_limits<int32_t>::min() || integer > std::numeric_limits<int32_t>::max()) out_of_range(to, number, id);
          const int32_t v = int32_t(integer);
          std::memcpy(at, &v, sizeof v);
        } else {
          std::memcpy(at, &integer, sizeof integer);
        }
      }
    }
  } catch (const jsonb::JsonbCorrupt& error) {
    throw EngineError("data_corrupted", error.what(), -1, id);
  }
  if (any_null) out->validity() = std::move(validity);
  out->set_size(rows);
  return finish_datum(std::move(out), input.broadcast);
}

// ---------------------------------------------------------------------------------------
// Fixed-width scalars

Datum fixed_to_fixed(const Datum& input, size_t rows, const DataType& to, int id) {
  auto out = std::make_shared<Column>(to);
  out->data().resize(rows * to.width());
  with_physical(to.id, [&](auto result_type) {
    using T = decltype(result_type);
    with_physical(input.view.type.id, [&](auto source_type) {
      using S = decltype(source_type);
      T* result = reinterpret_cast<T*>(out->data().data());
      for (size_t i = 0; i < rows; i++) {
        const S v = load<S>(input.view.data, input.row(i));
        if (input.is_null(i)) {
          result[i] = T{};
        } else if constexpr (std::is_same_v<T, uint8_t>) {
          result[i] = v != 0;  // integer → boolean
        } else if constexpr (std::is_integral_v<T> && std::is_floating_point_v<S>) {
          const double rounded = std::nearbyint(double(v));  // rint: half to even, as Postgres
          if (!(rounded >= double(std::numeric_limits<T>::min()) && rounded <= double(std::numeric_limits<T>::max()))) {
            throw EngineError("numeric_value_out_of_range", to.name() + " out of range", -1, id);
          }
          result[i] = T(rounded);
        } else if constexpr (std::is_integral_v<T> && std::is_integral_v<S> && sizeof(T) < sizeof(S)) {
          if (v < S(std::numeric_limits<T>::min()) || v > S(std::numeric_limits<T>::max())) {
            throw EngineError("numeric_value_out_of_range", to.name() + " out of range", -1, id);
          }
          result[i] = T(v);
        } else if constexpr (std::is_same_v<T, float> && std::is_same_v<S, double>) {
          if (std::isfinite(v) && std::fabs(v) > double(std::numeric_limits<float>::max())) {
            throw EngineError("numeric_value_out_of_range", "value out of range: overflow", -1, id);
          }
          result[i] = T(v);
        } else {
          result[i] = T(v);
        }
      }
    });
  });
  copy_validity(input, rows, *out);
  out->set_size(rows);
  return finish_datum(std::move(out), input.broadcast);
}

bool is_fixed_scalar(TypeId id) {
  return id == TypeId::Int || id == TypeId::BigInt || id == TypeId::Real || id == TypeId::Double || id == TypeId::Boolean ||
         id == TypeId::Timestamp;
}

}  // namespace

Datum to_text(const Datum& input, size_t rows, TextStyle style, int expression_id) {
  const DataType& type = input.view.type;
  if (type.id == TypeId::Text) return input;
  const size_t n = input.broadcast ? 1 : rows;
  VariableBuilder out(kText, n);
  std::string scratch;
  auto each = [&](auto format) {
    for (size_t i = 0; i < n; i++) {
      if (input.is_null(i)) {
        out.append_null();
        continue;
      }
      scratch.clear();
      format(input.row(i), scratch);
      out.append(scratch);
    }
  };
  const ColumnView& view = input.view;
  switch (type.id) {
    case TypeId::Int: each([&](size_t row, std::string& s) { append_integer(view.value<int32_t>(row), s); }); break;
    case TypeId::BigInt: each([&](size_t row, std::string& s) { append_integer(view.value<int64_t>(row), s); }); break;
    case TypeId::Real: each([&](size_t row, std::string& s) { append_float(view.value<float>(row), s); }); break;
    case TypeId::Double: each([&](size_t row, std::string& s) { append_float(view.value<double>(row), s); }); break;
    case TypeId::Boolean: {
      const bool words = style == TextStyle::Cast;
      each([&](size_t row, std::string& s) { s.append(view.data[row] ? (words ? "true" : "t") : (words ? "false" : "f")); });
      break;
    }
    case TypeId::Timestamp: each([&](size_t row, std::string& s) { append_timestamp(view.value<int64_t>(row), s); }); break;
    case TypeId::Vector: each([&](size_t row, std::string& s) { append_vector(view.fixed(row), type.dimension, s); }); break;
    case TypeId::Jsonb:
      try {
        each([&](size_t row, std::string& s) { jsonb::to_text(view.bytes(row), s); });
      } catch (const jsonb::JsonbCorrupt& error) {
        throw EngineError("data_corrupted", error.what(), -1, expression_id);
      }
      break;
    case TypeId::Null:
      for (size_t i = 0; i < n; i++) out.append_null();
      break;
    case TypeId::Text: break;
  }
  return out.finish(input.broadcast);
}

Datum evaluate_cast(const Expression& e, const Batch& batch) {
  const Datum input = evaluate(*e.args[0], batch);
  const DataType& from = input.view.type;
  const DataType& to = e.type;
  if (from == to) return input;
  const size_t rows = input.broadcast ? 1 : batch.size;
  if (to.id == TypeId::Text) return to_text(input, rows, TextStyle::Cast, e.id);
  if (from.id == TypeId::Text) return to.id == TypeId::Jsonb ? text_to_variable(input, rows, to, e.id) : text_to_fixed(input, rows, to, e.id);
  if (from.id == TypeId::Jsonb && (to.is_numeric() || to.id == TypeId::Boolean)) return jsonb_to_fixed(input, rows, to, e.id);
  if (is_fixed_scalar(from.id) && is_fixed_scalar(to.id)) return fixed_to_fixed(input, rows, to, e.id);
  if (from.id == TypeId::Null) {
    auto out = std::make_shared<Column>(to);
    for (size_t i = 0; i < rows; i++) out->append_null();
    return finish_datum(std::move(out), input.broadcast);
  }
  throw EngineError("datatype_mismatch", "cannot cast type " + from.name() + " to " + to.name(), -1, e.id);
}

}  // namespace replaydb
