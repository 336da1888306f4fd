// Kernels for the expression kinds beyond arithmetic and logic: scalar functions, LIKE,
// CASE, IN (list) and casts. Each evaluates one node over a batch.
#pragma once
#include "expr/expression.hpp"

namespace replaydb {

Datum evaluate_function(const Expression& e, const Batch& batch);
Datum evaluate_like(const Expression& e, const Batch& batch);
Datum evaluate_case(const Expression& e, const Batch& batch);
Datum evaluate_in_list(const Expression& e, const Batch& batch);
Datum evaluate_cast(const Expression& e, const Batch& batch);

}  // namespace replaydb
