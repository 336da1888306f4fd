// Vectorised evaluation of expression programs over batches.
#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.hpp"
#include "expr/datum_util.hpp"
#include "expr/expression.hpp"
#include "expr/functions.hpp"
#include "expr/subquery_keys.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

Datum constant_datum(const Value& value, DataType type) {
  auto column = std::make_shared<Column>(type.id == TypeId::Null ? DataType{TypeId::Boolean, 0} : type);
  if (value.is_null()) {
    column->append_null();
  } else {
    append_value(*column, value);
  }
  Datum datum;
  datum.view = column->view();
  datum.broadcast = true;
  datum.owned = std::move(column);
  return datum;
}

/** Validity of a binary operation's result: present only where both inputs are. */
void combine_validity(const Datum& left, const Datum& right, size_t size, Column& out) {
  if (!left.view.validity && !right.view.validity) return;
  std::vector<uint8_t>& validity = out.validity();
  validity.resize(size);
  for (size_t i = 0; i < size; i++) validity[i] = !left.is_null(i) && !right.is_null(i);
}

template <typename T>
bool apply_compare(CompareOperator op, T a, T b) {
  switch (op) {
    case CompareOperator::Equal: return a == b;
    case CompareOperator::NotEqual: return a != b;
    case CompareOperator::Less: return a < b;
    case CompareOperator::LessEqual: return a <= b;
    case CompareOperator::Greater: return a > b;
    case CompareOperator::GreaterEqual: return a >= b;
  }
  return false;
}

template <typename Common, typename L, typename R, typename Op>
void compare_loop(const Datum& left, const Datum& right, size_t size, uint8_t* out, Op op) {
  const size_t left_stride = left.broadcast ? 0 : 1;
  const size_t right_stride = right.broadcast ? 0 : 1;
  for (size_t i = 0; i < size; i++) {
    Common a = Common(load<L>(left.view.data, i * left_stride));
    Common b = Common(load<R>(right.view.data, i * right_stride));
    if constexpr (std::is_floating_point_v<Common>) {
      // Postgres orders NaN above every number and equal to itself: compare it as +inf, ties by NaN-ness.
      if (a != a || b != b) {
        const int rank_a = a != a, rank_b = b != b;
        if (rank_a && rank_b) {
          a = b = 0;
        } else if (rank_a) {
          a = std::numeric_limits<Common>::infinity();
          b = b == std::numeric_limits<Common>::infinity() ? std::numeric_limits<Common>::max() : b;
        } else {
          b = std::numeric_limits<Common>::infinity();
          a = a == std::numeric_limits<Common>::infinity() ? std::numeric_limits<Common>::max() : a;
        }
      }
    }
    out[i] = op(a, b);
  }
}

template <typename Common, typename L, typename R>
void compare_typed(CompareOperator op, const Datum& left, const Datum& right, size_t size, uint8_t* out) {
  // One loop per operator so the comparison is inlined and the loop vectorises.
  switch (op) {
    case CompareOperator::Equal: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a == b; }); break;
    case CompareOperator::NotEqual: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a != b; }); break;
    case CompareOperator::Less: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a < b; }); break;
    case CompareOperator::LessEqual: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a <= b; }); break;
    case CompareOperator::Greater: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a > b; }); break;
    case CompareOperator::GreaterEqual: compare_loop<Common, L, R>(left, right, size, out, [](Common a, Common b) { return a >= b; }); break;
  }
}

int compare_bytes(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

Datum evaluate_compare(const Expression& e, const Batch& batch) {
  const Datum left = evaluate(*e.args[0], batch);
  const Datum right = evaluate(*e.args[1], batch);
  auto out = std::make_shared<Column>(DataType{TypeId::Boolean, 0});
  out->data().resize(batch.size);
  uint8_t* result = out->data().data();
  const TypeId lt = left.view.type.id, rt = right.view.type.id;
  if (left.view.type.is_variable_width() || rt == TypeId::Text || rt == TypeId::Jsonb) {
    if (!left.view.type.is_variable_width() || !right.view.type.is_variable_width()) {
      throw EngineError("datatype_mismatch", "cannot compare " + left.view.type.name() + " with " + right.view.type.name(), -1, e.id);
    }
    const bool json = lt == TypeId::Jsonb && rt == TypeId::Jsonb;
    for (size_t i = 0; i < batch.size; i++) {
      if (left.is_null(i) || right.is_null(i)) {
        result[i] = 0;
        continue;
      }
      const std::string_view a = left.view.bytes(left.row(i)), b = right.view.bytes(right.row(i));
      if (json) {
        // JSONB equality is structural ('1.0' = '1'), not byte equality.
        const bool equal = a == b || jsonb::equals(a, b);
        result[i] = e.compare == CompareOperator::Equal ? equal : !equal;
        continue;
      }
      result[i] = apply_compare(e.compare, compare_bytes(a, b), 0);
    }
  } else if (lt == TypeId::Vector || rt == TypeId::Vector) {
    if (e.compare != CompareOperator::Equal && e.compare != CompareOperator::NotEqual) {
      throw EngineError("undefined_function", "vectors can only be compared with = and <>", -1, e.id);
    }
    const size_t width = left.view.type.width();
    for (size_t i = 0; i < batch.size; i++) {
      const bool equal = std::memcmp(left.view.fixed(left.row(i)), right.view.fixed(right.row(i)), width) == 0;
      result[i] = (e.compare == CompareOperator::Equal) == equal;
    }
  } else {
    const bool integral = left.view.type.is_integer() || lt == TypeId::Timestamp || lt == TypeId::Boolean;
    const bool right_integral = right.view.type.is_integer() || rt == TypeId::Timestamp || rt == TypeId::Boolean;
    with_physical(lt, [&](auto l) {
      with_physical(rt, [&](auto r) {
        using L = decltype(l);
        using R = decltype(r);
        if (integral && right_integral) {
          compare_typed<int64_t, L, R>(e.compare, left, right, batch.size, result);
        } else {
          compare_typed<double, L, R>(e.compare, left, right, batch.size, result);
        }
      });
    });
  }
  combine_validity(left, right, batch.size, *out);
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

Datum evaluate_logic(const Expression& e, const Batch& batch) {
  // Kleene logic: AND is FALSE if any input is FALSE, else NULL if any is NULL.
  const bool is_and = e.kind == ExpressionKind::And;
  auto out = std::make_shared<Column>(DataType{TypeId::Boolean, 0});
  out->data().assign(batch.size, is_and ? 1 : 0);
  std::vector<uint8_t> unknown(batch.size, 0);
  bool any_unknown = false;
  uint8_t* value = out->data().data();
  for (const auto& arg : e.args) {
    const Datum d = evaluate(*arg, batch);
    for (size_t i = 0; i < batch.size; i++) {
      if (d.is_null(i)) {
        unknown[i] = 1;
        any_unknown = true;
        continue;
      }
      const uint8_t v = d.view.data[d.row(i)];
      value[i] = is_and ? (value[i] & v) : (value[i] | v);
    }
  }
  if (any_unknown) {
    std::vector<uint8_t>& validity = out->validity();
    validity.resize(batch.size);
    // The result is decided (present) when AND saw a FALSE or OR saw a TRUE.
    for (size_t i = 0; i < batch.size; i++) validity[i] = !unknown[i] || (is_and ? value[i] == 0 : value[i] == 1);
  }
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

Datum evaluate_not(const Expression& e, const Batch& batch) {
  const Datum input = evaluate(*e.args[0], batch);
  auto out = std::make_shared<Column>(DataType{TypeId::Boolean, 0});
  out->data().resize(batch.size);
  for (size_t i = 0; i < batch.size; i++) out->data()[i] = input.view.data[input.row(i)] ? 0 : 1;
  if (input.view.validity) {
    out->validity().resize(batch.size);
    for (size_t i = 0; i < batch.size; i++) out->validity()[i] = !input.is_null(i);
  }
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

Datum evaluate_is_null(const Expression& e, const Batch& batch) {
  const Datum input = evaluate(*e.args[0], batch);
  auto out = std::make_shared<Column>(DataType{TypeId::Boolean, 0});
  out->data().resize(batch.size);
  for (size_t i = 0; i < batch.size; i++) out->data()[i] = input.is_null(i) != e.negated;
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

template <typename T>
T arithmetic_value(ArithmeticOperator op, T a, T b, int id) {
  switch (op) {
    case ArithmeticOperator::Add: return a + b;
    case ArithmeticOperator::Subtract: return a - b;
    case ArithmeticOperator::Multiply: return a * b;
    case ArithmeticOperator::Divide:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) throw EngineError("division_by_zero", "division by zero", -1, id);
        // The one integer quotient that overflows (and traps on x86): MIN / -1.
        if (b == -1 && a == std::numeric_limits<T>::min()) throw EngineError("numeric_value_out_of_range", "integer out of range", -1, id);
      } else {
        if (b == 0) throw EngineError("division_by_zero", "division by zero", -1, id);
      }
      return a / b;
    case ArithmeticOperator::Modulo:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) throw EngineError("division_by_zero", "division by zero", -1, id);
        if (b == -1) return T(0);  // MIN % -1 traps on x86; the answer is 0
        return a % b;
      } else {
        if (b == 0) throw EngineError("division_by_zero", "division by zero", -1, id);
        return std::fmod(a, b);
      }
  }
  return T{};
}

template <typename T>
bool overflowed(ArithmeticOperator op, T a, T b, T* result) {
  if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case ArithmeticOperator::Add: return __builtin_add_overflow(a, b, result);
      case ArithmeticOperator::Subtract: return __builtin_sub_overflow(a, b, result);
      case ArithmeticOperator::Multiply: return __builtin_mul_overflow(a, b, result);
      default: return false;
    }
  }
  return false;
}

Datum evaluate_arithmetic(const Expression& e, const Batch& batch) {
  const Datum left = evaluate(*e.args[0], batch);
  const Datum right = evaluate(*e.args[1], batch);
  auto out = std::make_shared<Column>(e.type);
  out->data().resize(batch.size * e.type.width());
  combine_validity(left, right, batch.size, *out);
  const std::vector<uint8_t>& validity = out->validity();
  with_physical(e.type.id, [&](auto result_type) {
    using T = decltype(result_type);
    with_physical(left.view.type.id, [&](auto l) {
      with_physical(right.view.type.id, [&](auto r) {
        using L = decltype(l);
        using R = decltype(r);
        T* result = reinterpret_cast<T*>(out->data().data());
        for (size_t i = 0; i < batch.size; i++) {
          if (!validity.empty() && !validity[i]) {
            result[i] = T{};
            continue;
          }
          const T a = T(load<L>(left.view.data, left.row(i)));
          const T b = T(load<R>(right.view.data, right.row(i)));
          T value{};
          const bool checked = std::is_integral_v<T> && (e.arithmetic == ArithmeticOperator::Add ||
                                                         e.arithmetic == ArithmeticOperator::Subtract ||
                                                         e.arithmetic == ArithmeticOperator::Multiply);
          if (checked) {
            if (overflowed<T>(e.arithmetic, a, b, &value)) {
              throw EngineError("numeric_value_out_of_range", e.type.name() + " out of range", -1, e.id);
            }
          } else {
            value = arithmetic_value<T>(e.arithmetic, a, b, e.id);
          }
          result[i] = value;
        }
      });
    });
  });
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

Datum evaluate_negate(const Expression& e, const Batch& batch) {
  const Datum input = evaluate(*e.args[0], batch);
  auto out = std::make_shared<Column>(e.type);
  out->data().resize(batch.size * e.type.width());
  with_physical(e.type.id, [&](auto result_type) {
    using T = decltype(result_type);
    T* result = reinterpret_cast<T*>(out->data().data());
    for (size_t i = 0; i < batch.size; i++) {
      const T value = load<T>(input.view.data, input.row(i));
      if constexpr (std::is_integral_v<T>) {
        if (value == std::numeric_limits<T>::min() && !input.is_null(i)) {
          throw EngineError("numeric_value_out_of_range", e.type.name() + " out of range", -1, e.id);
        }
      }
      result[i] = T(-value);
    }
  });
  if (input.view.validity) {
    out->validity().resize(batch.size);
    for (size_t i = 0; i < batch.size; i++) out->validity()[i] = !input.is_null(i);
  }
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

}  // namespace

Datum evaluate(const Expression& e, const Batch& batch) {
  switch (e.kind) {
    case ExpressionKind::Column: {
      Datum datum;
      datum.view = batch.columns[e.column];
      return datum;
    }
    case ExpressionKind::Constant: return constant_datum(e.constant, e.type);
    case ExpressionKind::Compare: return evaluate_compare(e, batch);
    case ExpressionKind::And:
    case ExpressionKind::Or: return evaluate_logic(e, batch);
    case ExpressionKind::Not: return evaluate_not(e, batch);
    case ExpressionKind::IsNull: return evaluate_is_null(e, batch);
    case ExpressionKind::Arithmetic: return evaluate_arithmetic(e, batch);
    case ExpressionKind::Negate: return evaluate_negate(e, batch);
    case ExpressionKind::Cast: return evaluate_cast(e, batch);
    case ExpressionKind::Function: return evaluate_function(e, batch);
    case ExpressionKind::Like: return evaluate_like(e, batch);
    case ExpressionKind::Case: return evaluate_case(e, batch);
    case ExpressionKind::InList: return evaluate_in_list(e, batch);
    case ExpressionKind::InSubquery: return evaluate_in_subquery(e, batch);
    case ExpressionKind::ScalarSubquery: return constant_datum(e.constant, e.type);
  }
  throw EngineError("internal_error", "unknown expression kind");
}

void mark_columns(const Expression& expression, std::vector<bool>& needed) {
  if (expression.kind == ExpressionKind::Column && expression.column >= 0 && size_t(expression.column) < needed.size()) {
    needed[expression.column] = true;
  }
  for (const auto& arg : expression.args) mark_columns(*arg, needed);
}

std::unique_ptr<Expression> clone_expression(const Expression& e) {
  auto copy = std::make_unique<Expression>();
  copy->kind = e.kind;
  copy->type = e.type;
  copy->id = e.id;
  copy->column = e.column;
  copy->constant = e.constant;
  copy->compare = e.compare;
  copy->arithmetic = e.arithmetic;
  copy->negated = e.negated;
  copy->name = e.name;
  copy->case_insensitive = e.case_insensitive;
  copy->has_else = e.has_else;
  copy->subquery = e.subquery;
  copy->subquery_keys = e.subquery_keys;
  for (const auto& arg : e.args) copy->args.push_back(clone_expression(*arg));
  return copy;
}

namespace {

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

bool append_fingerprint(const Expression& e, std::string& out) {
  // An IN / EXISTS sub-plan's result depends on other tables: not cacheable by its text.
  if (e.kind == ExpressionKind::InSubquery) return false;
  put(out, uint8_t(e.kind));
  put(out, uint8_t(e.type.id));
  put(out, e.type.dimension);
  put(out, e.column);
  put(out, uint8_t(e.constant.type.id));
  put(out, e.constant.integer);
  put(out, e.constant.real);
  put(out, uint32_t(e.constant.bytes.size()));
  out += e.constant.bytes;
  put(out, uint8_t(e.compare));
  put(out, uint8_t(e.arithmetic));
  put(out, uint8_t(e.negated | (e.case_insensitive << 1) | (e.has_else << 2)));
  put(out, uint32_t(e.name.size()));
  out += e.name;
  put(out, uint32_t(e.args.size()));
  for (const auto& arg : e.args) {
    if (!append_fingerprint(*arg, out)) return false;
  }
  return true;
}

}  // namespace

std::string fingerprint(const Expression& expression) {
  std::string out;
  return append_fingerprint(expression, out) ? out : std::string();
}

void select_rows(const Expression& predicate, const Batch& batch, std::vector<uint32_t>& selection) {
  selection.clear();
  const Datum result = evaluate(predicate, batch);
  if (result.broadcast) {
    if (!result.is_null(0) && result.view.data[0]) {
      selection.resize(batch.size);
      for (size_t i = 0; i < batch.size; i++) selection[i] = uint32_t(i);
    }
    return;
  }
  selection.reserve(batch.size);
  const uint8_t* values = result.view.data;
  const uint8_t* validity = result.view.validity;
  for (size_t i = 0; i < batch.size; i++) {
    if (values[i] && (!validity || validity[i])) selection.push_back(uint32_t(i));
  }
}

Column materialize(const Datum& datum, size_t size) {
  Column out(datum.view.type);
  if (!datum.broadcast) {
    out.append_range(datum.view, 0, size);
    return out;
  }
  std::vector<uint32_t> zeros(size, 0);
  out.append_selected(datum.view, zeros.data(), size);
  return out;
}

}  // namespace replaydb
