// Primary-key lookups and gathers by position.
#include "exec/key_lookup.hpp"

#include "common/error.hpp"

namespace replaydb {

Chunk gather_rows(const Database& database, const TableState& table, const std::vector<uint64_t>& positions) {
  Chunk out;
  for (const ColumnSchema& column : table.schema.columns) out.columns.emplace_back(column.type);
  const std::string directory = database.segments_directory();
  std::vector<ColumnView> views(table.schema.columns.size());
  size_t mapped_segment = RowLocation::kTail - 1;  // none yet
  for (uint64_t position : positions) {
    const RowLocation location = table.locate(position);
    if (location.segment != mapped_segment) {
      for (size_t c = 0; c < views.size(); c++) {
        views[c] = location.segment == RowLocation::kTail ? table.tail[c].view() : table.segment(location.segment, directory)->column(c);
      }
      mapped_segment = location.segment;
    }
    const uint32_t row = uint32_t(location.row);
    for (size_t c = 0; c < views.size(); c++) out.columns[c].append_selected(views[c], &row, 1);
  }
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
  auto found = index_->find(key_);
  return found == index_->end() ? kNoPosition : found->second;
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
  const Chunk rows = gather_rows(context_.database, *table_, positions);
  kept.clear();
  if (scan_.filter) {
    std::vector<uint32_t> selection;
    for (size_t start = 0; start < rows.rows; start += kBatchRows) {
      const size_t count = std::min(kBatchRows, rows.rows - start);
      select_rows(*scan_.filter, rows.batch(start, count), selection);
      for (uint32_t i : selection) kept.push_back(uint32_t(start + i));
    }
  } else {
    kept.resize(rows.rows);
    for (size_t i = 0; i < rows.rows; i++) kept[i] = uint32_t(i);
  }
  Chunk out;
  for (uint32_t column : scan_.columns) {
    Column gathered(table_->schema.columns[column].type);
    gathered.append_selected(rows.columns[column].view(), kept.data(), kept.size());
    out.columns.push_back(std::move(gathered));
  }
  out.rows = kept.size();
  return out;
}

}  // namespace replaydb
