// Running sub-plans and attaching their results to the expressions that use them.
#include "exec/subquery.hpp"

#include <functional>

#include "common/error.hpp"
#include "common/value.hpp"
#include "expr/subquery_keys.hpp"

namespace replaydb {
namespace {

struct SubqueryResult {
  std::shared_ptr<const SubqueryKeys> keys;
  Value scalar;
  bool scalar_ok = false;
  std::string scalar_error;
};

void for_each_expression(PlanNode& node, const std::function<void(Expression&)>& visit) {
  std::function<void(Expression&)> walk = [&](Expression& e) {
    visit(e);
    for (auto& arg : e.args) walk(*arg);
  };
  auto each = [&](std::vector<std::unique_ptr<Expression>>& list) {
    for (auto& e : list) walk(*e);
  };
  if (node.filter) walk(*node.filter);
  if (node.predicate) walk(*node.predicate);
  if (node.residual) walk(*node.residual);
  each(node.expressions);
  each(node.groups);
  each(node.left_keys);
  each(node.right_keys);
  for (auto& call : node.aggregates) {
    if (call.argument) walk(*call.argument);
  }
  for (auto& key : node.keys) walk(*key.expression);
  if (node.input) for_each_expression(*node.input, visit);
  if (node.right) for_each_expression(*node.right, visit);
}

void attach(PlanNode& node, const std::vector<SubqueryResult>& results) {
  for_each_expression(node, [&](Expression& e) {
    if (e.subquery < 0 || size_t(e.subquery) >= results.size()) return;
    const SubqueryResult& result = results[e.subquery];
    if (e.kind == ExpressionKind::InSubquery) {
      e.subquery_keys = result.keys;
    } else if (e.kind == ExpressionKind::ScalarSubquery) {
      if (!result.scalar_ok) throw EngineError("cardinality_violation", result.scalar_error, -1, e.id);
      e.constant = result.scalar;
    }
  });
}

SubqueryResult summarise(const Chunk& chunk) {
  SubqueryResult result;
  auto keys = build_subquery_keys(chunk.columns, chunk.rows);
  result.keys = std::move(keys);
  if (chunk.rows > 1) {
    result.scalar_error = "more than one row returned by a subquery used as an expression";
  } else {
    result.scalar_ok = true;
    if (chunk.rows == 1 && !chunk.columns.empty()) result.scalar = value_at(chunk.columns[0].view(), 0);
  }
  return result;
}

}  // namespace

void run_subqueries(std::vector<std::unique_ptr<PlanNode>>& subqueries, PlanNode& main, const ExecutionContext& context) {
  std::vector<SubqueryResult> results;
  for (auto& subquery : subqueries) {
    attach(*subquery, results);
    results.push_back(summarise(execute_plan(*subquery, context)));
  }
  attach(main, results);
}

}  // namespace replaydb
