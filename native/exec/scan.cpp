// Table scan: reads every sealed segment and then the tail, a batch at a time, applies the
// pushed-down filter with a selection vector, and gathers only the requested columns.
#include "common/error.hpp"
#include "exec/plan.hpp"
#include "exec/zone_prune.hpp"
#include "store/database.hpp"

namespace replaydb {
namespace {

/**
 * Scans `rows` rows given as views of every table column: skips rows flagged in `deleted`
 * (may be null), applies the filter, and appends the requested columns (and row positions,
 * counted from `base`) to `out`.
 */
void scan_views(const std::vector<ColumnView>& table_columns, size_t rows, const uint8_t* deleted, uint64_t base,
                const PlanNode& node, Chunk& out, const ExecutionContext& context) {
  std::vector<uint32_t> selection;
  for (size_t start = 0; start < rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, rows - start);
    Batch batch;
    batch.size = count;
    for (const ColumnView& view : table_columns) batch.columns.push_back(view.slice(start, count));
    const bool everything = !node.filter && !deleted;
    if (!everything) {
      if (node.filter) {
        select_rows(*node.filter, batch, selection);
      } else {
        selection.resize(count);
        for (size_t i = 0; i < count; i++) selection[i] = uint32_t(i);
      }
      if (deleted) {
        size_t kept = 0;
        for (uint32_t index : selection) {
          if (!deleted[start + index]) selection[kept++] = index;
        }
        selection.resize(kept);
      }
    }
    const size_t selected = everything ? count : selection.size();
    for (size_t c = 0; c < node.columns.size(); c++) {
      if (everything) {
        out.columns[c].append_range(batch.columns[node.columns[c]], 0, count);
      } else {
        out.columns[c].append_selected(batch.columns[node.columns[c]], selection.data(), selection.size());
      }
    }
    if (node.with_row_ids) {
      Column& ids = out.columns.back();
      for (size_t i = 0; i < selected; i++) ids.append<int64_t>(int64_t(base + start + (everything ? i : selection[i])));
    }
    out.rows += selected;
  }
}

}  // namespace

Chunk run_scan(const PlanNode& node, const ExecutionContext& context) {
  const TableState* table = context.database.find_table(node.table);
  if (!table) throw EngineError("undefined_table", "relation \"" + node.table + "\" does not exist");
  Chunk out;
  for (uint32_t index : node.columns) {
    if (index >= table->schema.columns.size()) throw EngineError("internal_error", "scan column out of range");
    out.columns.emplace_back(table->schema.columns[index].type);
  }
  if (node.with_row_ids) out.columns.emplace_back(DataType{TypeId::BigInt, 0});
  const std::string directory = context.database.segments_directory();
  const size_t column_count = table->schema.columns.size();
  // Only columns the filter or the output reads are touched (and checksum-verified).
  std::vector<bool> needed(column_count, false);
  for (uint32_t index : node.columns) needed[index] = true;
  if (node.filter) mark_columns(*node.filter, needed);
  uint64_t base = 0;
  for (size_t s = 0; s < table->segment_entries.size(); s++) {
    std::shared_ptr<Segment> segment = table->segment(s, directory);
    if (node.filter && !segment_may_match(*node.filter, *segment)) {
      base += segment->row_count();  // the zone maps rule the whole segment out
      continue;
    }
    auto deleted = table->segment_deletions(s, directory);
    std::vector<ColumnView> views(column_count);
    for (size_t c = 0; c < column_count; c++) {
      if (needed[c]) {
        views[c] = segment->column(c);
      } else {
        views[c].type = segment->info(c).type;
        views[c].size = segment->row_count();
      }
    }
    scan_views(views, segment->row_count(), deleted ? deleted->data() : nullptr, base, node, out, context);
    base += segment->row_count();
  }
  std::vector<ColumnView> tail_views;
  for (const Column& column : table->tail) tail_views.push_back(column.view());
  const uint8_t* tail_deleted = table->tail_deleted.empty() ? nullptr : table->tail_deleted.data();
  scan_views(tail_views, table->tail_rows, tail_deleted, base, node, out, context);
  return out;
}

Chunk run_filter(const PlanNode& node, const ExecutionContext& context) {
  Chunk input = execute_plan(*node.input, context);
  Chunk out;
  for (const Column& column : input.columns) out.columns.emplace_back(column.type());
  std::vector<uint32_t> selection;
  for (size_t start = 0; start < input.rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, input.rows - start);
    const Batch batch = input.batch(start, count);
    select_rows(*node.predicate, batch, selection);
    for (size_t c = 0; c < out.columns.size(); c++) out.columns[c].append_selected(batch.columns[c], selection.data(), selection.size());
    out.rows += selection.size();
  }
  return out;
}

Chunk run_project(const PlanNode& node, const ExecutionContext& context) {
  Chunk input;
  if (node.input) {
    input = execute_plan(*node.input, context);
  } else {
    input.rows = 1;  // SELECT without FROM: one row, no columns
  }
  Chunk out;
  for (const auto& expression : node.expressions) out.columns.emplace_back(expression->type);
  for (size_t start = 0; start < input.rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, input.rows - start);
    const Batch batch = input.batch(start, count);
    for (size_t e = 0; e < node.expressions.size(); e++) {
      const Datum datum = evaluate(*node.expressions[e], batch);
      if (datum.broadcast) {
        std::vector<uint32_t> zeros(count, 0);
        out.columns[e].append_selected(datum.view, zeros.data(), count);
      } else {
        out.columns[e].append_range(datum.view, 0, count);
      }
    }
  }
  out.rows = input.rows;
  return out;
}

Chunk run_limit(const PlanNode& node, const ExecutionContext& context) {
  Chunk input = execute_plan(*node.input, context);
  const size_t offset = std::min<size_t>(size_t(std::max<int64_t>(node.offset, 0)), input.rows);
  size_t count = input.rows - offset;
  if (node.limit >= 0) count = std::min<size_t>(count, size_t(node.limit));
  if (offset == 0 && count == input.rows) return input;
  Chunk out;
  for (const Column& column : input.columns) {
    Column sliced(column.type());
    sliced.append_range(column.view(), offset, count);
    out.columns.push_back(std::move(sliced));
  }
  out.rows = count;
  return out;
}

}  // namespace replaydb
