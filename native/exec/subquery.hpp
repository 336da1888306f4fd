// Uncorrelated subqueries: each sub-plan runs once, before the plans that use it, and its
// result is attached to the expressions that refer to it: a key set for IN / EXISTS, a
// single value for a scalar subquery (NULL for no row; more than one row is an error).
#pragma once
#include <memory>
#include <vector>

#include "exec/plan.hpp"

namespace replaydb {

/** Runs `subqueries` in order, then attaches every result to `main` and to later sub-plans. */
void run_subqueries(std::vector<std::unique_ptr<PlanNode>>& subqueries, PlanNode& main, const ExecutionContext& context);

}  // namespace replaydb
