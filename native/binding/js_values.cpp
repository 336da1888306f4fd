// JavaScript → column value conversion with Postgres-like input rules.
#include "binding/js_values.hpp"

#include <cerrno>
#include <cmath>
#include <cctype>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "common/timestamp.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

const char* describe(napi_valuetype type) {
  switch (type) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_object: return "object";
    case napi_function: return "function";
    case napi_external: return "external";
    case napi_bigint: return "bigint";
  }
  return "value";
}

[[noreturn]] void mismatch(const DataType& type, const std::string& got, const ConversionSite& site) {
  throw EngineError("datatype_mismatch", "expected " + type.name() + ", got " + got, site.parameter, site.expression);
}

[[noreturn]] void invalid_text(const DataType& type, const std::string& text, const ConversionSite& site) {
  throw EngineError("invalid_text_representation", "invalid input syntax for type " + type.name() + ": \"" + text + "\"",
                    site.parameter, site.expression);
}

[[noreturn]] void out_of_range(const DataType& type, const ConversionSite& site) {
  throw EngineError("numeric_value_out_of_range", "value out of range for type " + type.name(), site.parameter, site.expression);
}

/** Calls f(std::string_view) with a JS string's UTF-8 bytes, without a heap copy for short strings. */
template <typename F>
void with_string(napi_env env, napi_value value, F&& f) {
  char stack[1024];
  size_t length = 0;
  napi_get_value_string_utf8(env, value, stack, sizeof stack, &length);
  // V8 truncates at a character boundary, so a result 4+ bytes short of the buffer is whole.
  if (length + 4 < sizeof stack) {
    f(std::string_view(stack, length));
    return;
  }
  napi_get_value_string_utf8(env, value, nullptr, 0, &length);
  std::string heap(length, '\0');
  napi_get_value_string_utf8(env, value, heap.data(), length + 1, &length);
  f(std::string_view(heap.data(), length));
}

std::string read_string(napi_env env, napi_value value) {
  size_t length = 0;
  napi_get_value_string_utf8(env, value, nullptr, 0, &length);
  std::string out(length, '\0');
  napi_get_value_string_utf8(env, value, out.data(), length + 1, &length);
  return out;
}

double read_number(napi_env env, napi_value value) {
  double out = 0;
  napi_get_value_double(env, value, &out);
  return out;
}

bool read_bigint(napi_env env, napi_value value, int64_t& out) {
  bool lossless = false;
  napi_get_value_bigint_int64(env, value, &out, &lossless);
  return lossless;
}

bool parse_integer_text(const std::string& text, int64_t& out) {
  const char* begin = text.c_str();
  while (*begin == ' ') begin++;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(begin, &end, 10);
  if (end == begin || errno == ERANGE) return false;
  while (*end == ' ') end++;
  if (*end != '\0') return false;
  out = v;
  return true;
}

bool parse_real_text(const std::string& text, double& out) {
  const char* begin = text.c_str();
  char* end = nullptr;
  out = std::strtod(begin, &end);
  if (end == begin) return false;
  while (*end == ' ') end++;
  return *end == '\0';
}

int64_t integer_value(napi_env env, napi_value value, napi_valuetype js_type, const DataType& type, const ConversionSite& site) {
  if (js_type == napi_number) {
    double v = read_number(env, value);
    // A decimal written in SQL is assigned to an integer column rounded half away from zero (Postgres).
    if (site.literal && std::isfinite(v) && std::floor(v) != v) v = std::round(v);
    if (!std::isfinite(v) || std::floor(v) != v) mismatch(type, "non-integer number " + std::to_string(v), site);
    if (type.id == TypeId::BigInt && std::fabs(v) > 9007199254740991.0) {
      throw EngineError("numeric_value_out_of_range",
                        "number " + std::to_string(v) + " is beyond 2^53 and may have been rounded; pass a bigint",
                        site.parameter, site.expression);
    }
    if (v < -9223372036854775808.0 || v >= 9223372036854775808.0) out_of_range(type, site);
    return int64_t(v);
  }
  if (js_type == napi_bigint) {
    int64_t v;
    if (!read_bigint(env, value, v)) out_of_range(type, site);
    return v;
  }
  if (js_type == napi_string && site.sql_text) {
    const std::string text = read_string(env, value);
    int64_t v;
    if (!parse_integer_text(text, v)) invalid_text(type, text, site);
    return v;
  }
  mismatch(type, describe(js_type), site);
}

double real_value(napi_env env, napi_value value, napi_valuetype js_type, const DataType& type, const ConversionSite& site) {
  if (js_type == napi_number) {
    const double v = read_number(env, value);
    if (site.literal && std::isinf(v)) out_of_range(type, site);  // e.g. 1e309 written in SQL
    return v;
  }
  if (js_type == napi_bigint) {
    int64_t v;
    if (!read_bigint(env, value, v)) out_of_range(type, site);
    return double(v);
  }
  if (js_type == napi_string && site.sql_text) {
    const std::string text = read_string(env, value);
    double v;
    if (!parse_real_text(text, v)) invalid_text(type, text, site);
    return v;
  }
  mismatch(type, describe(js_type), site);
}

/** A JS vector (Float32Array, Float64Array, array of numbers or pgvector text) of `type`, checked. */
std::vector<float> read_vector(const DataType& type, napi_env env, napi_value value, napi_valuetype js_type, const ConversionSite& site) {
  const uint32_t dimension = type.dimension;
  std::vector<float> values;
  bool is_typed_array = false;
  napi_is_typedarray(env, value, &is_typed_array);
  bool is_array = false;
  napi_is_array(env, value, &is_array);
  if (is_typed_array) {
    napi_typedarray_type array_type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, value, &array_type, &length, &data, nullptr, nullptr);
    if (array_type == napi_float32_array) {
      values.assign(static_cast<float*>(data), static_cast<float*>(data) + length);
    } else if (array_type == napi_float64_array) {
      values.assign(static_cast<double*>(data), static_cast<double*>(data) + length);
    } else {
      mismatch(type, "a typed array that is not Float32Array or Float64Array", site);
    }
  } else if (is_array) {
    uint32_t length = 0;
    napi_get_array_length(env, value, &length);
    values.resize(length);
    for (uint32_t i = 0; i < length; i++) {
      napi_value element;
      napi_get_element(env, value, i, &element);
      napi_valuetype element_type;
      napi_typeof(env, element, &element_type);
      if (element_type != napi_number) mismatch(type, "an array holding a " + std::string(describe(element_type)), site);
      values[i] = float(read_number(env, element));
    }
  } else if (js_type == napi_string) {
    // pgvector's text form: '[1, 2.5, 3]'
    const std::string text = read_string(env, value);
    size_t p = text.find_first_not_of(' ');
    if (p == std::string::npos || text[p] != '[') invalid_text(type, text, site);
    p++;
    while (true) {
      while (p < text.size() && text[p] == ' ') p++;
      if (p < text.size() && text[p] == ']' && values.empty()) {
        p++;
        break;
      }
      const char* begin = text.c_str() + p;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) invalid_text(type, text, site);
      values.push_back(float(v));
      p = size_t(end - text.c_str());
      while (p < text.size() && text[p] == ' ') p++;
      if (p < text.size() && text[p] == ',') {
        p++;
        continue;
      }
      if (p < text.size() && text[p] == ']') {
        p++;
        break;
      }
      invalid_text(type, text, site);
    }
    if (text.find_first_not_of(' ', p) != std::string::npos) invalid_text(type, text, site);
  } else {
    mismatch(type, describe(js_type), site);
  }
  if (values.size() != dimension) {
    throw EngineError("data_exception", "expected " + std::to_string(dimension) + " dimensions, not " + std::to_string(values.size()),
                      site.parameter, site.expression);
  }
  for (float v : values) {
    if (!std::isfinite(v)) {
      throw EngineError("data_exception", "NaN and infinite values are not allowed in a vector (or a value is out of float32 range)",
                        site.parameter, site.expression);
    }
  }
  return values;
}

void append_vector(Column& column, napi_env env, napi_value value, napi_valuetype js_type, const ConversionSite& site) {
  column.append_fixed(read_vector(column.type(), env, value, js_type, site).data());
}

}  // namespace

void append_js_value(Column& column, napi_env env, napi_value value, const ConversionSite& site) {
  napi_valuetype js_type;
  napi_typeof(env, value, &js_type);
  if (js_type == napi_null || js_type == napi_undefined) {
    column.append_null();
    return;
  }
  const DataType& type = column.type();
  switch (type.id) {
    case TypeId::Int: {
      const int64_t v = integer_value(env, value, js_type, type, site);
      if (v < INT32_MIN || v > INT32_MAX) out_of_range(type, site);
      column.append<int32_t>(int32_t(v));
      return;
    }
    case TypeId::BigInt: column.append<int64_t>(integer_value(env, value, js_type, type, site)); return;
    case TypeId::Real: {
      const double v = real_value(env, value, js_type, type, site);
      if (std::isfinite(v) && std::fabs(v) > 3.4028234663852886e38) out_of_range(type, site);
      column.append<float>(float(v));
      return;
    }
    case TypeId::Double: column.append<double>(real_value(env, value, js_type, type, site)); return;
    case TypeId::Boolean: {
      if (js_type == napi_boolean) {
        bool v;
        napi_get_value_bool(env, value, &v);
        column.append<uint8_t>(v ? 1 : 0);
        return;
      }
      if (js_type == napi_string && site.sql_text) {
        // Postgres' boolin: surrounding spaces, case-insensitive, any unique prefix of true/false/yes/no, on/off, 1/0.
        const std::string original = read_string(env, value);
        std::string text = original;
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
        size_t first = 0;
        while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) first++;
        text = text.substr(first);
        for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
        auto prefix_of = [&](const char* word) { return !text.empty() && std::string(word).compare(0, text.size(), text) == 0; };
        if (prefix_of("true") || prefix_of("yes") || text == "on" || text == "1") {
          column.append<uint8_t>(1);
        } else if (prefix_of("false") || prefix_of("no") || text == "off" || text == "of" || text == "0") {
          column.append<uint8_t>(0);
        } else {
          invalid_text(type, original, site);
        }
        return;
      }
      mismatch(type, describe(js_type), site);
    }
    case TypeId::Text: {
      if (site.literal && (js_type == napi_number || js_type == napi_boolean || js_type == napi_bigint)) {
        // A number or boolean written in SQL and assigned to TEXT takes its text form, as in Postgres.
        napi_value text;
        napi_coerce_to_string(env, value, &text);
        with_string(env, text, [&](std::string_view bytes) { column.append_bytes(bytes); });
        return;
      }
      if (js_type != napi_string) mismatch(type, describe(js_type), site);
      with_string(env, value, [&](std::string_view text) { column.append_bytes(text); });
      return;
    }
    case TypeId::Jsonb: {
      // Objects, arrays, numbers and booleans arrive as JSON text (the TS layer stringifies them).
      if (js_type != napi_string) mismatch(type, describe(js_type), site);
      static thread_local std::string encoded;
      encoded.clear();
      with_string(env, value, [&](std::string_view text) {
        try {
          jsonb::encode(text, encoded);
        } catch (const jsonb::JsonParseError& error) {
          throw EngineError("invalid_json", std::string("invalid input syntax for type json: ") + error.what() + " at offset " +
                                                std::to_string(error.offset),
                            site.parameter, site.expression);
        }
      });
      column.append_bytes(encoded);
      return;
    }
    case TypeId::Vector: append_vector(column, env, value, js_type, site); return;
    case TypeId::Timestamp: {
      bool is_date = false;
      napi_is_date(env, value, &is_date);
      if (is_date) {
        double millis = 0;
        napi_get_date_value(env, value, &millis);
        if (!std::isfinite(millis)) mismatch(type, "an invalid Date", site);
        column.append<int64_t>(int64_t(std::llround(millis * 1000.0)));
        return;
      }
      if (js_type == napi_string) {
        const std::string text = read_string(env, value);
        bool out_of_range = false;
        const auto micros = parse_timestamp(text, &out_of_range);
        if (!micros && out_of_range) {
          throw EngineError("datetime_field_overflow", "date/time field value out of range: \"" + text + "\"", site.parameter, site.expression);
        }
        if (!micros) invalid_text(type, text, site);
        column.append<int64_t>(*micros);
        return;
      }
      if (js_type == napi_bigint) {
        // A bigint is taken as microseconds since the epoch, the stored representation.
        int64_t v;
        if (!read_bigint(env, value, v)) out_of_range(type, site);
        column.append<int64_t>(v);
        return;
      }
      mismatch(type, std::string(describe(js_type)) + " (pass a Date, an ISO 8601 string or bigint microseconds)", site);
    }
    case TypeId::Null: throw EngineError("internal_error", "cannot convert to an unknown type");
  }
}

Value js_to_value(napi_env env, napi_value value, DataType type, const ConversionSite& site) {
  if (type.id == TypeId::Null) {
    napi_valuetype js_type;
    napi_typeof(env, value, &js_type);
    if (js_type != napi_null && js_type != napi_undefined) throw EngineError("internal_error", "typed constant without a type");
    return Value::null();
  }
  if (type.id == TypeId::Vector) {
    // A query vector (768 floats, say) per search: straight into the Value, without a Column.
    napi_valuetype js_type;
    napi_typeof(env, value, &js_type);
    if (js_type != napi_null && js_type != napi_undefined) {
      Value out;
      out.type = type;
      out.vector = read_vector(type, env, value, js_type, site);
      return out;
    }
  }
  Column column(type);
  append_js_value(column, env, value, site);
  return value_at(column.view(), 0);
}

}  // namespace replaydb
