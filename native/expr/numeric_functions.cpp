// Numeric functions: abs over every numeric type, and round, trunc, floor and ceil over
// double precision (the binder casts other numeric arguments to it, as Postgres resolves
// round(integer) to round(double precision)). round(x) rounds half to even like Postgres'
// float8 round; round(x, n) and trunc(x, n) exist in Postgres only for numeric, so they work
// on the shortest decimal text of x (what the user sees) and round half away from zero,
// giving round(2.675, 2) = 2.68 as Postgres' numeric does, not 2.67 as binary arithmetic would.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"

namespace replaydb {
namespace {

/** x rounded (or truncated) to `places` decimal places; places < 0 rounds left of the point. */
double round_decimal(double x, int64_t places, bool truncate) {
  if (!std::isfinite(x) || x == 0) return x;
  char buffer[64];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
  std::string_view text(buffer, size_t(printed.ptr - buffer));  // shortest: "-d.ddde±XX"
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  const size_t exponent_at = text.find('e');
  std::string digits;
  for (char c : text.substr(0, exponent_at)) {
    if (c != '.') digits.push_back(c);
  }
  const int64_t exponent = std::strtol(std::string(text.substr(exponent_at + 1)).c_str(), nullptr, 10);
  // Digit k weighs 10^(exponent - k); keep the digits down to 10^-places.
  const int64_t keep = exponent + places + 1;
  if (keep >= int64_t(digits.size())) return x;
  uint64_t mantissa = 0;
  for (int64_t k = 0; k < keep; k++) mantissa = mantissa * 10 + uint64_t(digits[size_t(k)] - '0');
  if (!truncate && keep >= 0 && digits[size_t(keep)] >= '5') mantissa++;
  if (mantissa == 0) return 0.0;  // numeric has no negative zero
  const std::string decimal = std::to_string(mantissa) + "e" + std::to_string(exponent - keep + 1);
  const double value = std::strtod(decimal.c_str(), nullptr);
  return negative ? -value : value;
}

template <typename F>
Datum double_kernel(const Expression& e, const Batch& batch, F f) {
  const Arguments args = evaluate_arguments(e, batch);
  FixedBuilder<double> out(e.type, args.rows);
  for (size_t i = 0; i < args.rows; i++) {
    if (args.any_null(i)) {
      out.set_null(i);
    } else {
      out.set(i, f(args, i));
    }
  }
  return out.finish(args.broadcast);
}

Datum round_function(const Expression& e, const Batch& batch) {
  if (e.args.size() == 1) return double_kernel(e, batch, [](const Arguments& args, size_t i) { return std::nearbyint(value_at_row<double>(args[0], i)); });
  return double_kernel(e, batch, [](const Arguments& args, size_t i) {
    return round_decimal(value_at_row<double>(args[0], i), value_at_row<int32_t>(args[1], i), false);
  });
}

Datum trunc_function(const Expression& e, const Batch& batch) {
  if (e.args.size() == 1) return double_kernel(e, batch, [](const Arguments& args, size_t i) { return std::trunc(value_at_row<double>(args[0], i)); });
  return double_kernel(e, batch, [](const Arguments& args, size_t i) {
    return round_decimal(value_at_row<double>(args[0], i), value_at_row<int32_t>(args[1], i), true);
  });
}

Datum floor_function(const Expression& e, const Batch& batch) {
  return double_kernel(e, batch, [](const Arguments& args, size_t i) { return std::floor(value_at_row<double>(args[0], i)); });
}

Datum ceil_function(const Expression& e, const Batch& batch) {
  return double_kernel(e, batch, [](const Arguments& args, size_t i) { return std::ceil(value_at_row<double>(args[0], i)); });
}

Datum abs_function(const Expression& e, const Batch& batch) {
  const Arguments args = evaluate_arguments(e, batch);
  auto out = std::make_shared<Column>(e.type);
  out->data().resize(args.rows * e.type.width());
  with_physical(e.type.id, [&](auto tag) {
    using T = decltype(tag);
    T* result = reinterpret_cast<T*>(out->data().data());
    for (size_t i = 0; i < args.rows; i++) {
      const T v = value_at_row<T>(args[0], i);
      if constexpr (std::is_floating_point_v<T>) {
        result[i] = std::fabs(v);
      } else if constexpr (std::is_signed_v<T>) {
        if (v == std::numeric_limits<T>::min() && !args[0].is_null(i)) {
          throw EngineError("numeric_value_out_of_range", e.type.name() + " out of range", -1, e.id);
        }
        result[i] = v < 0 ? T(-v) : v;
      } else {
        result[i] = v;
      }
    }
  });
  copy_validity(args[0], args.rows, *out);
  out->set_size(args.rows);
  return finish_datum(std::move(out), args.broadcast);
}

}  // namespace

void add_numeric_functions(FunctionTable& table) {
  table["abs"] = abs_function;
  table["round"] = round_function;
  table["trunc"] = trunc_function;
  table["floor"] = floor_function;
  table["ceil"] = ceil_function;
}

}  // namespace replaydb
