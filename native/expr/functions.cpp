// Scalar function dispatch: the table from plan-message names to kernels, filled once from
// the function families (strings, numbers, JSONB, conditionals, vectors). Lookup happens
// once per node per batch, never per row. The binder only emits names it knows, so a missing
// name here is an internal error, not a user error.
#include "common/error.hpp"
#include "expr/functions.hpp"

namespace replaydb {
namespace {

const FunctionTable& function_table() {
  static const FunctionTable table = [] {
    FunctionTable built;
    add_string_functions(built);
    add_numeric_functions(built);
    add_jsonb_functions(built);
    add_conditional_functions(built);
    add_vector_functions(built);
    return built;
  }();
  return table;
}

}  // namespace

Datum evaluate_function(const Expression& e, const Batch& batch) {
  const FunctionTable& table = function_table();
  const auto found = table.find(e.name);
  if (found == table.end()) throw EngineError("internal_error", "no kernel for function " + e.name + "()", -1, e.id);
  return found->second(e, batch);
}

}  // namespace replaydb
