// Hash join: builds a chained hash table over the right input's key columns (rows with a
// NULL key never match), probes it a batch of left rows at a time, filters candidate pairs
// with the residual ON condition, and completes INNER / LEFT / SEMI / ANTI output. The
// planner gives both sides' keys the same types, so equality is equality of bytes.
#include <algorithm>
#include <cstring>
#include <functional>

#include "common/error.hpp"
#include "exec/join_output.hpp"
#include "exec/key_lookup.hpp"
#include "expr/subquery_keys.hpp"
#include "store/database.hpp"

namespace replaydb {
namespace {

uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hash_value(const ColumnView& view, size_t row) {
  if (view.type.is_variable_width()) return std::hash<std::string_view>{}(view.bytes(row));
  const size_t width = view.type.width();
  const uint8_t* bytes = view.fixed(row);
  if (width <= 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes, width);
    return mix(word);
  }
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(bytes), width));
}

bool values_equal(const ColumnView& a, size_t row_a, const ColumnView& b, size_t row_b) {
  if (a.type.is_variable_width()) return a.bytes(row_a) == b.bytes(row_b);
  return std::memcmp(a.fixed(row_a), b.fixed(row_b), a.type.width()) == 0;
}

/** Evaluates `expressions` over every row of `input` into whole columns. */
std::vector<Column> evaluate_all(const std::vector<std::unique_ptr<Expression>>& expressions, const Chunk& input) {
  std::vector<Column> out;
  for (const auto& expression : expressions) {
    Column column(expression->type);
    for (size_t start = 0; start < input.rows; start += kBatchRows) {
      const size_t count = std::min(kBatchRows, input.rows - start);
      column.append_column(materialize(evaluate(*expression, input.batch(start, count)), count));
    }
    out.push_back(std::move(column));
  }
  return out;
}

/** Replaces column references to a scan's output positions with the table columns they read. */
bool remap_to_table(Expression& expression, const std::vector<uint32_t>& scan_columns) {
  if (expression.kind == ExpressionKind::Column) {
    if (expression.column < 0 || size_t(expression.column) >= scan_columns.size()) return false;
    expression.column = int(scan_columns[size_t(expression.column)]);
  }
  if (expression.kind == ExpressionKind::InSubquery || expression.kind == ExpressionKind::ScalarSubquery) return false;
  for (auto& arg : expression.args) {
    if (!remap_to_table(*arg, scan_columns)) return false;
  }
  return true;
}

/**
 * Runs the probe side with a runtime semi-join filter when it is a plain scan of a table
 * much larger than the build side: the scan then gathers only rows whose key is present
 * on the build side, instead of copying every row only for most to find no match.
 */
Chunk run_probe_side(const PlanNode& node, const Chunk& right, const std::vector<Column>& build_keys, const ExecutionContext& context) {
  const PlanNode& probe = *node.input;
  const bool filterable = probe.kind == PlanKind::Scan && !probe.with_row_ids &&
                          (node.join_type == JoinType::Inner || node.join_type == JoinType::Semi);
  const TableState* table = filterable ? context.database.find_table(probe.table) : nullptr;
  if (!table || right.rows * 4 > table->row_count()) return execute_plan(probe, context);
  std::vector<std::unique_ptr<Expression>> probes;
  for (const auto& key : node.left_keys) {
    auto copy = clone_expression(*key);
    if (!remap_to_table(*copy, probe.columns)) return execute_plan(probe, context);
    probes.push_back(std::move(copy));
  }
  auto keys = std::make_shared<SubqueryKeys>(build_subquery_key_set(build_keys, right.rows));
  auto semi_join = std::make_unique<Expression>();
  semi_join->kind = ExpressionKind::InSubquery;
  semi_join->type = DataType{TypeId::Boolean, 0};
  semi_join->name = "exists";
  semi_join->args = std::move(probes);
  semi_join->subquery_keys = std::move(keys);
  PlanNode filtered;
  filtered.kind = PlanKind::Scan;
  filtered.table = probe.table;
  filtered.columns = probe.columns;
  if (probe.filter) {
    filtered.filter = std::make_unique<Expression>();
    filtered.filter->kind = ExpressionKind::And;
    filtered.filter->type = DataType{TypeId::Boolean, 0};
    filtered.filter->args.push_back(clone_expression(*probe.filter));
    filtered.filter->args.push_back(std::move(semi_join));
  } else {
    filtered.filter = std::move(semi_join);
  }
  return execute_plan(filtered, context);
}

/** At most how many rows `plan` yields, when its plan bounds that (a LIMIT, a top-k); -1 when unknown. */
int64_t bounded_rows(const PlanNode& plan) {
  switch (plan.kind) {
    case PlanKind::VectorScan:
    case PlanKind::Sort:
      return plan.limit;
    case PlanKind::Limit: {
      const int64_t input = bounded_rows(*plan.input);
      if (plan.limit < 0) return input < 0 ? -1 : std::max<int64_t>(0, input - plan.offset);
      return input < 0 ? plan.limit : std::min(plan.limit, input);
    }
    case PlanKind::Project:
    case PlanKind::Filter:
      return bounded_rows(*plan.input);
    case PlanKind::Aggregate:
      return plan.groups.empty() ? 1 : -1;
    default:
      return -1;
  }
}

/** The key lookup over `scan` for join keys `scan_keys`, probed with `probe_keys`; null if the join does not qualify. */
std::unique_ptr<KeyLookup> lookup_for(const PlanNode& scan, const std::vector<std::unique_ptr<Expression>>& scan_keys,
                                      const std::vector<std::unique_ptr<Expression>>& probe_keys, const ExecutionContext& context) {
  std::vector<uint32_t> outputs;
  for (const auto& key : scan_keys) {
    if (key->kind != ExpressionKind::Column || key->column < 0) return nullptr;
    outputs.push_back(uint32_t(key->column));
  }
  std::unique_ptr<KeyLookup> lookup = KeyLookup::create(scan, outputs, context);
  if (!lookup) return nullptr;
  for (size_t i = 0; i < probe_keys.size(); i++) {
    if (probe_keys[i]->type != lookup->key_types()[i]) return nullptr;
  }
  return lookup;
}

/** Positions found for each row of `probe` (kNoPosition where none). */
std::vector<uint64_t> find_all(const KeyLookup& lookup, const std::vector<std::unique_ptr<Expression>>& keys, const Chunk& probe) {
  const std::vector<Column> probe_columns = evaluate_all(keys, probe);
  std::vector<ColumnView> views;
  for (const Column& column : probe_columns) views.push_back(column.view());
  return lookup.find_all(views, probe.rows);
}

/**
 * A join of a scan on its table's whole primary key with a side bounded to a few rows (a
 * LIMIT, a top-k: at most 1/8 of the table): the small side's keys are looked up in the
 * key index and the matching rows gathered, instead of scanning and hashing the table.
 * Either side may be the scan (the left one only for INNER and SEMI joins, which need no
 * unmatched left rows). False, with nothing run, when the join does not qualify.
 */
bool try_key_lookup_join(const PlanNode& node, const ExecutionContext& context, Chunk& out) {
  std::vector<uint32_t> left_rows, right_rows, kept;
  const int64_t left_bound = bounded_rows(*node.input);
  if (left_bound >= 0) {
    std::unique_ptr<KeyLookup> lookup = lookup_for(*node.right, node.right_keys, node.left_keys, context);
    if (lookup && uint64_t(left_bound) * 8 <= lookup->table_rows()) {
      Chunk left = execute_plan(*node.input, context);
      std::vector<uint32_t> found_rows;
      std::vector<uint64_t> positions;
      const std::vector<uint64_t> found = find_all(*lookup, node.left_keys, left);
      for (size_t row = 0; row < found.size(); row++) {
        if (found[row] == kNoPosition) continue;
        found_rows.push_back(uint32_t(row));
        positions.push_back(found[row]);
      }
      Chunk right = lookup->gather(positions, kept);
      for (size_t i = 0; i < kept.size(); i++) {
        left_rows.push_back(found_rows[kept[i]]);
        right_rows.push_back(uint32_t(i));
      }
      if (node.residual) filter_pairs(*node.residual, left, right, left_rows, right_rows, context);
      out = finish_join(node.join_type, left, right, left_rows, right_rows);
      return true;
    }
  }
  const int64_t right_bound = bounded_rows(*node.right);
  if (right_bound < 0 || (node.join_type != JoinType::Inner && node.join_type != JoinType::Semi)) return false;
  std::unique_ptr<KeyLookup> lookup = lookup_for(*node.input, node.left_keys, node.right_keys, context);
  if (!lookup || uint64_t(right_bound) * 8 > lookup->table_rows()) return false;
  Chunk right = execute_plan(*node.right, context);
  // Left rows come out in table order, as a scan would give them.
  std::vector<std::pair<uint64_t, uint32_t>> matches;  // (position, right row)
  const std::vector<uint64_t> found = find_all(*lookup, node.right_keys, right);
  for (size_t row = 0; row < found.size(); row++) {
    if (found[row] != kNoPosition) matches.emplace_back(found[row], uint32_t(row));
  }
  std::sort(matches.begin(), matches.end());
  std::vector<uint64_t> positions;
  for (const auto& match : matches) {
    if (positions.empty() || positions.back() != match.first) positions.push_back(match.first);
  }
  Chunk left = lookup->gather(positions, kept);
  std::vector<uint32_t> row_of_position(positions.size(), kNoRow);
  for (size_t i = 0; i < kept.size(); i++) row_of_position[kept[i]] = uint32_t(i);
  size_t unique = 0;
  for (size_t m = 0; m < matches.size(); m++) {
    if (m > 0 && matches[m].first != matches[m - 1].first) unique++;
    if (row_of_position[unique] == kNoRow) continue;
    left_rows.push_back(row_of_position[unique]);
    right_rows.push_back(matches[m].second);
  }
  if (node.residual) filter_pairs(*node.residual, left, right, left_rows, right_rows, context);
  out = finish_join(node.join_type, left, right, left_rows, right_rows);
  return true;
}

}  // namespace

Chunk run_hash_join(const PlanNode& node, const ExecutionContext& context) {
  Chunk joined;
  if (try_key_lookup_join(node, context, joined)) return joined;
  Chunk right = execute_plan(*node.right, context);
  const size_t key_count = node.left_keys.size();
  if (key_count == 0 || key_count != node.right_keys.size()) throw EngineError("internal_error", "hash join without matching keys");

  const std::vector<Column> build_keys = evaluate_all(node.right_keys, right);
  Chunk left = run_probe_side(node, right, build_keys, context);
  std::vector<ColumnView> build_views;
  for (const Column& column : build_keys) build_views.push_back(column.view());
  size_t capacity = 16;
  while (capacity < right.rows * 2) capacity <<= 1;
  const uint64_t mask = capacity - 1;
  std::vector<uint32_t> heads(capacity, kNoRow);
  std::vector<uint32_t> next(right.rows, kNoRow);
  std::vector<uint64_t> hashes(right.rows, 0);
  // Insert in reverse so each chain lists right rows in ascending order.
  for (size_t r = right.rows; r-- > 0;) {
    bool has_null = false;
    uint64_t hash = 0x9e3779b97f4a7c15ull;
    for (const ColumnView& view : build_views) {
      if (view.is_null(r)) {
        has_null = true;
        break;
      }
      hash = mix(hash ^ hash_value(view, r));
    }
    if (has_null) continue;
    hashes[r] = hash;
    next[r] = heads[hash & mask];
    heads[hash & mask] = uint32_t(r);
  }

  std::vector<uint32_t> left_rows, right_rows;
  for (size_t start = 0; start < left.rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, left.rows - start);
    const Batch batch = left.batch(start, count);
    std::vector<Datum> probes;
    for (const auto& key : node.left_keys) probes.push_back(evaluate(*key, batch));
    for (size_t i = 0; i < count; i++) {
      bool has_null = false;
      uint64_t hash = 0x9e3779b97f4a7c15ull;
      for (const Datum& probe : probes) {
        if (probe.is_null(i)) {
          has_null = true;
          break;
        }
        hash = mix(hash ^ hash_value(probe.view, probe.row(i)));
      }
      if (has_null) continue;
      for (uint32_t r = heads[hash & mask]; r != kNoRow; r = next[r]) {
        if (hashes[r] != hash) continue;
        bool equal = true;
        for (size_t k = 0; k < key_count && equal; k++) equal = values_equal(probes[k].view, probes[k].row(i), build_views[k], r);
        if (equal) {
          left_rows.push_back(uint32_t(start + i));
          right_rows.push_back(r);
        }
      }
    }
  }
  if (node.residual) filter_pairs(*node.residual, left, right, left_rows, right_rows, context);
  return finish_join(node.join_type, left, right, left_rows, right_rows);
}

Chunk run_nested_loop_join(const PlanNode& node, const ExecutionContext& context) {
  Chunk left = execute_plan(*node.input, context);
  Chunk right = execute_plan(*node.right, context);
  std::vector<uint32_t> left_rows, right_rows;
  std::vector<uint32_t> batch_left, batch_right;
  auto flush = [&]() {
    if (batch_left.empty()) return;
    if (node.residual) filter_pairs(*node.residual, left, right, batch_left, batch_right, context);
    left_rows.insert(left_rows.end(), batch_left.begin(), batch_left.end());
    right_rows.insert(right_rows.end(), batch_right.begin(), batch_right.end());
    batch_left.clear();
    batch_right.clear();
  };
  for (uint32_t l = 0; l < left.rows; l++) {
    for (uint32_t r = 0; r < right.rows; r++) {
      batch_left.push_back(l);
      batch_right.push_back(r);
      if (batch_left.size() == kBatchRows) {
        context.check_cancelled();
        flush();
      }
    }
  }
  flush();
  return finish_join(node.join_type, left, right, left_rows, right_rows);
}

}  // namespace replaydb
