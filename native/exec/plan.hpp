// Physical plans: the operator trees the TypeScript planner sends in one message per
// statement. Operators materialise their output as a Chunk (one Column per output
// column) and read their input a batch (kBatchRows rows) at a time.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/column.hpp"
#include "expr/expression.hpp"
#include "expr/functions.hpp"
#include "index/vector_index.hpp"

namespace replaydb {

constexpr size_t kBatchRows = 2048;

enum class PlanKind { Scan, Filter, Project, Aggregate, Sort, Limit, HashJoin, NestedLoopJoin, VectorScan };

enum class JoinType { Inner, Left, Semi, Anti };

enum class AggregateFunction { CountStar, Count, Sum, Average, Min, Max };

struct AggregateCall {
  AggregateFunction function = AggregateFunction::CountStar;
  bool distinct = false;
  std::unique_ptr<Expression> argument;  // null for count(*)
  DataType type;                         // result type
};

struct SortKey {
  std::unique_ptr<Expression> expression;
  bool descending = false;
  bool nulls_first = false;
};

/** A vector function of a result row's vector and the query that a VectorScan outputs. */
struct VectorOutput {
  VectorFunction function = VectorFunction::CosineDistance;
  bool query_first = false;  // the query is the function's first argument
};

struct PlanNode {
  PlanKind kind = PlanKind::Scan;
  std::unique_ptr<PlanNode> input;

  // Scan: `filter` reads the table's columns by schema index; output is `columns`, then
  // (with_row_ids) each row's position in the table as a BIGINT, for DELETE and UPDATE.
  std::string table;
  std::vector<uint32_t> columns;
  std::unique_ptr<Expression> filter;
  bool with_row_ids = false;

  // VectorScan: a Scan that returns only the `limit` rows nearest to `query` in
  // `vector_column` (by `metric`), nearest first, among rows passing `filter`: filtered HNSW
  // search where an index exists and the filter passes many rows, else an exact scan.
  // After `columns` come `vector_outputs` (DOUBLE each): the select list's distances to the
  // query, computed for the k rows only, so that the vectors need not travel up the plan.
  uint32_t vector_column = 0;
  std::vector<VectorOutput> vector_outputs;
  std::vector<float> query;
  VectorMetric metric = VectorMetric::Cosine;
  uint32_t expansion = 0;  // 0: the index's ef_search

  // Filter
  std::unique_ptr<Expression> predicate;

  // Project: output column i is expressions[i] over the input.
  std::vector<std::unique_ptr<Expression>> expressions;

  // Aggregate: output is the group expressions, then the aggregates.
  std::vector<std::unique_ptr<Expression>> groups;
  std::vector<AggregateCall> aggregates;

  // Sort (keeps only the first `limit` rows when limit >= 0: top-k)
  std::vector<SortKey> keys;

  // Limit (and Sort's top-k)
  int64_t limit = -1;
  int64_t offset = 0;

  // Joins: output is input's columns then right's (Semi/Anti: input's only). Hash joins
  // build on `right` and match left_keys[i] = right_keys[i]; `residual` is evaluated over
  // the joined row (left columns, then right columns) and decides matches (ON semantics).
  std::unique_ptr<PlanNode> right;
  JoinType join_type = JoinType::Inner;
  std::vector<std::unique_ptr<Expression>> left_keys;
  std::vector<std::unique_ptr<Expression>> right_keys;
  std::unique_ptr<Expression> residual;
};

struct Chunk {
  std::vector<Column> columns;
  size_t rows = 0;

  Batch batch(size_t start, size_t count) const {
    Batch out;
    out.size = count;
    for (const Column& column : columns) out.columns.push_back(column.view().slice(start, count));
    return out;
  }
};

class Database;
class CancellationToken;

struct ExecutionContext {
  const Database& database;
  const CancellationToken* cancellation = nullptr;
  void check_cancelled() const;
};

Chunk execute_plan(const PlanNode& node, const ExecutionContext& context);
Chunk run_scan(const PlanNode& node, const ExecutionContext& context);
Chunk run_filter(const PlanNode& node, const ExecutionContext& context);
Chunk run_project(const PlanNode& node, const ExecutionContext& context);
Chunk run_aggregate(const PlanNode& node, const ExecutionContext& context);
Chunk run_sort(const PlanNode& node, const ExecutionContext& context);
Chunk run_limit(const PlanNode& node, const ExecutionContext& context);
Chunk run_hash_join(const PlanNode& node, const ExecutionContext& context);
Chunk run_nested_loop_join(const PlanNode& node, const ExecutionContext& context);
Chunk run_vector_scan(const PlanNode& node, const ExecutionContext& context);

}  // namespace replaydb
