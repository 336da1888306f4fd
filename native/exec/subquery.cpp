// Running sub-plans and attaching their results to the expressions that use them.
#include "exec/subquery.hpp"

#include <functional>

#include "common/error.hpp"
#include "common/value.hpp"
#include "exec/key_lookup.hpp"
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
  result.keys = std::make_shared<SubqueryKeys>(build_subquery_key_set(chunk.columns, chunk.rows));
  if (chunk.rows > 1) {
    result.scalar_error = "more than one row returned by a subquery used as an expression";
  } else {
    result.scalar_ok = true;
    if (chunk.rows == 1 && !chunk.columns.empty()) result.scalar = value_at(chunk.columns[0].view(), 0);
  }
  return result;
}

/** A sub-plan that scans a primary key, probed through the key index. */
class PrimaryKeyProbe final : public KeyProbe {
 public:
  explicit PrimaryKeyProbe(std::unique_ptr<KeyLookup> lookup) : lookup_(std::move(lookup)) {}
  const std::vector<DataType>& key_types() const override { return lookup_->key_types(); }
  bool contains(const std::vector<ColumnView>& probes, size_t row) const override {
    const uint64_t position = lookup_->find(probes, row);
    return position != kNoPosition && lookup_->passes(position);
  }
  std::string cache_key() const override { return lookup_->cache_key(); }

 private:
  std::unique_ptr<KeyLookup> lookup_;
};

/** Whether an expression of `node` (or of a plan below it) is a scalar subquery over sub-plan `index`. */
bool used_as_scalar(PlanNode& node, size_t index) {
  bool used = false;
  for_each_expression(node, [&](Expression& e) {
    if (e.kind == ExpressionKind::ScalarSubquery && e.subquery == int(index)) used = true;
  });
  return used;
}

}  // namespace

void run_subqueries(std::vector<std::unique_ptr<PlanNode>>& subqueries, PlanNode& main, const ExecutionContext& context) {
  std::vector<SubqueryResult> results;
  for (size_t i = 0; i < subqueries.size(); i++) {
    PlanNode& subquery = *subqueries[i];
    attach(subquery, results);
    bool scalar = used_as_scalar(main, i);
    for (size_t later = i + 1; later < subqueries.size() && !scalar; later++) scalar = used_as_scalar(*subqueries[later], i);
    if (scalar) {
      results.push_back(summarise(execute_plan(subquery, context)));
      continue;
    }
    // Only probed by IN / EXISTS: the key set is built when first probed, and a scan of a
    // primary key can answer single probes without running at all.
    std::vector<uint32_t> outputs(subquery.kind == PlanKind::Project ? subquery.expressions.size() : subquery.columns.size());
    for (size_t c = 0; c < outputs.size(); c++) outputs[c] = uint32_t(c);
    std::unique_ptr<KeyLookup> lookup = KeyLookup::create_for_probes(subquery, outputs, context);
    std::shared_ptr<const KeyProbe> probe;
    if (lookup) probe = std::make_shared<PrimaryKeyProbe>(std::move(lookup));
    SubqueryResult result;
    result.keys = std::make_shared<SubqueryKeys>(
        [&subquery, &context] {
          const Chunk chunk = execute_plan(subquery, context);
          return build_subquery_key_set(chunk.columns, chunk.rows);
        },
        std::move(probe));
    results.push_back(std::move(result));
  }
  attach(main, results);
}

}  // namespace replaydb
