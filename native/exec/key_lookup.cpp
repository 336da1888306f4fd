// Primary-key lookups and gathers by position.
#include "exec/key_lookup.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace replaydb {

std::vector<Column> gather_columns(const Database& database, const TableState& table, const std::vector<uint64_t>& positions,
                                   const std::vector<bool>& needed) {
  std::vector<Column> out;
  for (size_t c = 0; c < table.schema.columns.size(); c++) {
    out.emplace_back(table.schema.columns[c].type);
    if (needed[c]) out.back().reserve(positions.size(), 0);
  }
  const std::string directory = database.segments_directory();
  std::vector<ColumnView> views(out.size());
  std::vector<uint32_t> run;
  // A run of positions in one segment (or the tail) is gathered with one call per column.
  for (size_t start = 0; start < positions.size();) {
    const RowLocation first = table.locate(positions[start]);
    run.assign(1, uint32_t(first.row));
    const uint64_t base = positions[start] - first.row;
    const uint64_t limit = first.segment == RowLocation::kTail ? UINT64_MAX : base + table.segment_entries[first.segment].row_count;
    size_t end = start + 1;
    while (end < positions.size() && positions[end] >= base && positions[end] < limit) run.push_back(uint32_t(positions[end++] - base));
    for (size_t c = 0; c < out.size(); c++) {
      if (!needed[c]) continue;
      const ColumnView view = first.segment == RowLocation::kTail ? table.tail[c].view() : table.segment(first.segment, directory)->column(c);
      out[c].append_selected(view, run.data(), run.size());
    }
    start = end;
  }
  return out;
}

Chunk gather_rows(const Database& database, const TableState& table, const std::vector<uint64_t>& positions) {
  Chunk out;
  out.columns = gather_columns(database, table, positions, std::vector<bool>(table.schema.columns.size(), true));
  out.rows = positions.size();
  return out;
}

std::unique_ptr<KeyLookup> KeyLookup::create_for_probes(const PlanNode& plan, const std::vector<uint32_t>& plan_outputs,
                                                        const ExecutionContext& context) {
  std::vector<uint32_t> outputs = plan_outputs;
  if (plan.kind == PlanKind::Project && plan.input) {
    for (uint32_t& output : outputs) {
      if (output >= plan.expressions.size()) return nullptr;
      const Expression& expression = *plan.expressions[output];
      if (expression.kind != ExpressionKind::Column || expression.column < 0) return nullptr;
      output = uint32_t(expression.column);
    }
    return create(*plan.input, outputs, context);
  }
  return create(plan, outputs, context);
}

std::unique_ptr<KeyLookup> KeyLookup::create(const PlanNode& scan, const std::vector<uint32_t>& outputs, const ExecutionContext& context) {
  if (scan.kind != PlanKind::Scan || scan.with_row_ids) return nullptr;
  const TableState* table = context.database.find_table(scan.table);
  if (!table || table->schema.primary_key.empty() || outputs.size() != table->schema.primary_key.size()) return nullptr;
  std::unique_ptr<KeyLookup> lookup(new KeyLookup(scan, *table, context));
  const std::vector<uint32_t>& key = table->schema.primary_key;
  lookup->probe_of_key_part_.assign(key.size(), SIZE_MAX);
  lookup->key_types_.resize(outputs.size());
  for (size_t probe = 0; probe < outputs.size(); probe++) {
    if (outputs[probe] >= scan.columns.size()) return nullptr;
    const uint32_t column = scan.columns[outputs[probe]];
    size_t part = 0;
    while (part < key.size() && key[part] != column) part++;
    if (part == key.size() || lookup->probe_of_key_part_[part] != SIZE_MAX) return nullptr;
    lookup->probe_of_key_part_[part] = probe;
    lookup->key_types_[probe] = table->schema.columns[column].type;
  }
  lookup->index_ = &table->primary_key_index(context.database.segments_directory());
  return lookup;
}

std::string KeyLookup::cache_key() const {
  std::string key = scan_.table;
  key.push_back('\0');
  key += std::to_string(table_->content_stamp());
  for (size_t probe : probe_of_key_part_) key += "," + std::to_string(probe);
  if (scan_.filter) {
    const std::string filter = fingerprint(*scan_.filter);
    if (filter.empty()) return std::string();
    key += "|" + filter;
  }
  return key;
}

uint64_t KeyLookup::find(const std::vector<ColumnView>& probes, size_t row) const {
  key_.clear();
  for (size_t probe : probe_of_key_part_) {
    if (probes[probe].is_null(row)) return kNoPosition;
    append_primary_key_part(key_, probes[probe], row);
  }
  return index_->find(key_);
}

std::vector<uint64_t> KeyLookup::find_all(const std::vector<ColumnView>& probes, size_t rows) const {
  // Encode and hash every key, prefetch their slots, then look them up.
  std::string keys;
  std::vector<size_t> ends(rows);
  std::vector<uint64_t> hashes(rows);
  std::vector<uint64_t> positions(rows, kNoPosition);
  for (size_t row = 0; row < rows; row++) {
    const size_t start = keys.size();
    bool has_null = false;
    for (size_t probe : probe_of_key_part_) {
      if (probes[probe].is_null(row)) has_null = true;
      else append_primary_key_part(keys, probes[probe], row);
    }
    if (has_null) keys.resize(start);
    ends[row] = has_null ? SIZE_MAX : keys.size();
    hashes[row] = KeyIndex::hash(std::string_view(keys).substr(start, keys.size() - start));
    index_->prefetch(hashes[row]);
  }
  size_t start = 0;
  for (size_t row = 0; row < rows; row++) {
    if (ends[row] == SIZE_MAX) continue;
    positions[row] = index_->find(std::string_view(keys).substr(start, ends[row] - start), hashes[row]);
    start = ends[row];
  }
  return positions;
}

bool KeyLookup::passes(uint64_t position) const {
  if (!scan_.filter) return true;
  if (!filter_evaluated_) {
    // One vectorised pass over the table (zone maps still prune) beats evaluating the
    // filter row by row once more than a handful of rows are probed.
    PlanNode positions;
    positions.kind = PlanKind::Scan;
    positions.table = scan_.table;
    positions.filter = clone_expression(*scan_.filter);
    positions.with_row_ids = true;
    const Chunk passing = execute_plan(positions, context_);
    passing_.assign(table_->stored_rows(), 0);
    const ColumnView ids = passing.columns.back().view();
    for (size_t i = 0; i < passing.rows; i++) passing_[size_t(ids.value<int64_t>(i))] = 1;
    filter_evaluated_ = true;
  }
  return position < passing_.size() && passing_[position] != 0;
}

Chunk KeyLookup::gather(const std::vector<uint64_t>& positions, std::vector<uint32_t>& kept) const {
  std::vector<bool> needed(table_->schema.columns.size(), false);
  for (uint32_t column : scan_.columns) needed[column] = true;
  if (scan_.filter) mark_columns(*scan_.filter, needed);
  std::vector<Column> gathered = gather_columns(context_.database, *table_, positions, needed);
  Chunk out;
  out.rows = positions.size();
  kept.resize(positions.size());
  for (size_t i = 0; i < kept.size(); i++) kept[i] = uint32_t(i);
  if (scan_.filter) {
    // Columns the filter does not read are never touched: their views only carry a type and length.
    Batch batch;
    for (size_t c = 0; c < gathered.size(); c++) {
      ColumnView view = gathered[c].view();
      view.size = positions.size();
      batch.columns.push_back(view);
    }
    kept.clear();
    std::vector<uint32_t> selection;
    for (size_t start = 0; start < positions.size(); start += kBatchRows) {
      const size_t count = std::min(kBatchRows, positions.size() - start);
      Batch slice;
      slice.size = count;
      for (const ColumnView& view : batch.columns) slice.columns.push_back(view.slice(start, count));
      select_rows(*scan_.filter, slice, selection);
      for (uint32_t i : selection) kept.push_back(uint32_t(start + i));
    }
    out.rows = kept.size();
    for (uint32_t column : scan_.columns) {
      Column selected(table_->schema.columns[column].type);
      selected.append_selected(gathered[column].view(), kept.data(), kept.size());
      out.columns.push_back(std::move(selected));
    }
    return out;
  }
  // Every row kept: the gathered columns are the output (a column listed twice is copied).
  std::vector<bool> moved(gathered.size(), false);
  for (uint32_t column : scan_.columns) {
    if (!moved[column]) {
      moved[column] = true;
      out.columns.push_back(std::move(gathered[column]));
    } else {
      out.columns.push_back(out.columns[size_t(std::find(scan_.columns.begin(), scan_.columns.end(), column) - scan_.columns.begin())]);
    }
  }
  return out;
}

}  // namespace replaydb
