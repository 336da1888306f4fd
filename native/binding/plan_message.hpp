// Reads the one message the TypeScript planner sends per statement (its shape is defined
// in src/plan/plan_message.ts) into a Statement, converting every parameter and constant
// on the calling (JS) thread so the statement itself can run anywhere.
#pragma once
#include <napi.h>

#include <atomic>

#include "binding/js_values.hpp"
#include "exec/statement.hpp"

namespace replaydb {

/** `params` is the array of bound parameter values (may be empty). */
std::unique_ptr<Statement> read_statement(const Napi::Object& message, const Napi::Array& params);

/**
 * An INSERT read once and kept natively, so repeated executions (per-step logging) only
 * convert their parameters: target columns, cell layout and constants already converted
 * to their column types.
 */
struct InsertTemplate {
  std::string table;
  std::vector<int> target_columns;
  std::vector<DataType> types;
  size_t row_count = 0;
  std::vector<int32_t> cells;     // row-major; see src/plan/plan_message.ts
  std::vector<Value> constants;   // by constant index, of the type of the column it fills
  uint32_t parameter_count = 0;   // highest parameter slot + 1
};

/** Where a prepared query takes a parameter's value (or the statement time) at each run. */
struct ParameterBinding {
  enum class Target { Constant, Now, VectorQuery };
  Target target;
  Expression* expression;  // Constant, Now: the constant the value replaces
  PlanNode* node;          // VectorQuery: the vector scan whose query it is
  uint32_t parameter;
  DataType type;
  ConversionSite site;
};

/**
 * A query read once and kept natively, so repeated executions (a vector search per agent
 * step) only convert their parameters into it. One run uses it at a time (`busy`); a run
 * that finds it busy reads the message again instead. Runs leave nothing behind that the
 * next run depends on: subquery results are attached afresh at each run.
 */
struct PreparedQuery {
  std::unique_ptr<Statement> statement;
  std::vector<ParameterBinding> bindings;
  std::atomic<bool> busy{false};
};

std::shared_ptr<PreparedQuery> read_prepared_query(const Napi::Object& message);
/** Converts `params` into the query's constants; the caller holds it busy. */
void bind_prepared_query(PreparedQuery& prepared, const Napi::Array& params);

std::shared_ptr<InsertTemplate> read_insert_template(const Napi::Object& message);
std::unique_ptr<Statement> bind_insert(const InsertTemplate& insert, const Napi::Array& params);

}  // namespace replaydb
