// Expression programs: typed expression trees, built from the plan message, evaluated a
// batch of rows at a time. Every node knows its result type (the TypeScript binder decided
// it), so evaluation never inspects values to choose a path; it picks one typed loop per
// node per batch. NULLs follow SQL: most operators are NULL when an input is, AND/OR use
// three-valued logic.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/column.hpp"
#include "common/value.hpp"

namespace replaydb {

enum class ExpressionKind {
  Column,      // input column `column`
  Constant,    // `constant`
  Compare,     // args[0] <op> args[1]: = <> < <= > >=
  And,
  Or,
  Not,
  IsNull,      // negated: IS NOT NULL
  Arithmetic,  // args[0] <op> args[1]: + - * / %
  Negate,
  Cast,        // args[0] converted to `type`
  Function,    // scalar function `name` over args (expr/functions.cpp)
  Like,        // args: value, pattern[, escape]; case_insensitive (ILIKE); negated
  Case,        // args: when1, then1, when2, then2, …[, else when has_else]
  InList,      // args: value, item1, item2, …; negated
  InSubquery,  // args: probe values; subquery_keys holds the sub-plan's rows; negated (exec fills it)
  ScalarSubquery,  // constant: the sub-plan's single value (exec fills it)
};

enum class CompareOperator { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };
enum class ArithmeticOperator { Add, Subtract, Multiply, Divide, Modulo };

struct Expression {
  ExpressionKind kind = ExpressionKind::Constant;
  DataType type;   // result type
  int id = -1;     // position handle for errors, from the plan message
  int column = -1;
  Value constant;
  CompareOperator compare = CompareOperator::Equal;
  ArithmeticOperator arithmetic = ArithmeticOperator::Add;
  bool negated = false;
  std::string name;               // Function
  bool case_insensitive = false;  // Like
  bool has_else = false;          // Case
  std::vector<std::unique_ptr<Expression>> args;
  /** InSubquery / ScalarSubquery: index of the sub-plan in the statement (exec/subquery). */
  int subquery = -1;
  /** InSubquery: encoded keys of the sub-plan's rows, and whether one of them is NULL. */
  std::shared_ptr<const struct SubqueryKeys> subquery_keys;
};

/**
 * The result of evaluating an expression over a batch: a view of `size` rows, or of one row
 * repeated (`broadcast`) for constants. `owned` keeps computed values alive.
 */
struct Datum {
  ColumnView view;
  bool broadcast = false;
  std::shared_ptr<Column> owned;

  size_t row(size_t i) const { return broadcast ? 0 : i; }
  bool is_null(size_t i) const { return view.is_null(row(i)); }
};

/** A batch of input rows: one view per input column, all of `size` rows. */
struct Batch {
  std::vector<ColumnView> columns;
  size_t size = 0;
};

Datum evaluate(const Expression& expression, const Batch& batch);

/**
 * Bytes equal for two expressions exactly when they compute the same values from the same
 * input columns (constants and parameters included), for caching results of filters;
 * empty when the result depends on more than the input (an IN / EXISTS sub-plan).
 */
std::string fingerprint(const Expression& expression);

/** A deep copy (sub-plan results are shared, not copied). */
std::unique_ptr<Expression> clone_expression(const Expression& expression);

/** Sets needed[i] for every input column i that `expression` reads (indexes beyond `needed` ignored). */
void mark_columns(const Expression& expression, std::vector<bool>& needed);

/** Rows of `batch` for which `predicate` is TRUE (not FALSE, not NULL), as indexes. */
void select_rows(const Expression& predicate, const Batch& batch, std::vector<uint32_t>& selection);

/** Materialises a datum as `size` rows of a Column. */
Column materialize(const Datum& datum, size_t size);

}  // namespace replaydb
