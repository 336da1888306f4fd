// Runs a physical plan: dispatches each node to its operator.
#include "common/error.hpp"
#include "exec/cancellation.hpp"
#include "exec/plan.hpp"

namespace replaydb {

void ExecutionContext::check_cancelled() const {
  if (cancellation && cancellation->cancelled()) throw EngineError("query_canceled", "canceling statement due to user request");
}

Chunk execute_plan(const PlanNode& node, const ExecutionContext& context) {
  context.check_cancelled();
  switch (node.kind) {
    case PlanKind::Scan: return run_scan(node, context);
    case PlanKind::Filter: return run_filter(node, context);
    case PlanKind::Project: return run_project(node, context);
    case PlanKind::Aggregate: return run_aggregate(node, context);
    case PlanKind::Sort: return run_sort(node, context);
    case PlanKind::Limit: return run_limit(node, context);
    case PlanKind::HashJoin: return run_hash_join(node, context);
    case PlanKind::NestedLoopJoin: return run_nested_loop_join(node, context);
    case PlanKind::VectorScan: return run_vector_scan(node, context);
  }
  throw EngineError("internal_error", "unknown plan node");
}

}  // namespace replaydb
