// Row-changing statements over the store's atomic modify().
#include "exec/dml.hpp"

#include <unordered_map>

#include "common/error.hpp"
#include "exec/key_lookup.hpp"
#include "exec/subquery.hpp"

namespace replaydb {
namespace {

std::vector<uint64_t> row_ids(const Column& column) {
  const ColumnView view = column.view();
  std::vector<uint64_t> out(view.size);
  for (size_t i = 0; i < view.size; i++) out[i] = uint64_t(view.value<int64_t>(i));
  return out;
}

Chunk select_rows_of(const Chunk& input, const std::vector<uint32_t>& rows) {
  Chunk out;
  for (const Column& column : input.columns) {
    Column gathered(column.type());
    gathered.append_selected(column.view(), rows.data(), rows.size());
    out.columns.push_back(std::move(gathered));
  }
  out.rows = rows.size();
  return out;
}

}  // namespace

size_t run_delete(Database& database, Statement& statement, const CancellationToken* cancellation) {
  size_t affected = 0;
  database.modify(statement.table, [&](const TableState&) {
    ExecutionContext context{database, cancellation};
    run_subqueries(statement.subqueries, *statement.plan, context);
    Chunk rows = execute_plan(*statement.plan, context);
    Modification change;
    change.deleted = row_ids(rows.columns.back());
    affected = change.deleted.size();
    return change;
  });
  return affected;
}

size_t run_update(Database& database, Statement& statement, const CancellationToken* cancellation) {
  size_t affected = 0;
  database.modify(statement.table, [&](const TableState& table) {
    ExecutionContext context{database, cancellation};
    run_subqueries(statement.subqueries, *statement.plan, context);
    Chunk rows = execute_plan(*statement.plan, context);
    if (rows.columns.size() != table.schema.columns.size() + 1) throw EngineError("internal_error", "update plan has the wrong columns");
    Modification change;
    change.deleted = row_ids(rows.columns.back());
    rows.columns.pop_back();
    change.inserted = std::move(rows.columns);
    change.inserted_rows = rows.rows;
    affected = rows.rows;
    return change;
  });
  return affected;
}

size_t run_upsert(Database& database, Statement& statement, const CancellationToken* cancellation) {
  InsertRows& insert = statement.insert;
  ConflictAction& action = statement.on_conflict;
  size_t affected = 0;
  database.modify(insert.table, [&](const TableState& table) {
    if (table.schema.primary_key.empty()) {
      throw EngineError("invalid_column_reference", "there is no unique or exclusion constraint matching the ON CONFLICT specification");
    }
    const size_t row_count = insert.row_count;
    std::vector<Column> columns = complete_columns(table.schema, insert.target_columns, std::move(insert.supplied), row_count,
                                                   insert.statement_time_micros);
    const std::vector<std::string> keys = primary_key_strings(table.schema, columns, row_count);
    const auto& existing = table.primary_key_index(database.segments_directory());
    std::vector<uint32_t> fresh;                       // rows to append as they are
    std::vector<uint32_t> conflicting;                 // incoming rows that hit an existing row
    std::vector<uint64_t> conflict_positions;
    std::unordered_map<std::string, uint32_t> seen;    // key → incoming row
    for (uint32_t row = 0; row < row_count; row++) {
      const bool repeated = !seen.emplace(keys[row], row).second;
      const uint64_t found = existing.find(keys[row]);
      if (action.kind == ConflictAction::Kind::Update && repeated) {
        throw EngineError("cardinality_violation",
                          "ON CONFLICT DO UPDATE command cannot affect row a second time: the statement proposes two rows with the same key");
      }
      if (found != KeyIndex::kNone) {
        if (action.kind == ConflictAction::Kind::Update) {
          conflicting.push_back(row);
          conflict_positions.push_back(found);
        }
        continue;  // DO NOTHING: skip
      }
      if (repeated) continue;  // DO NOTHING: the first proposal of a key wins
      fresh.push_back(row);
    }
    Chunk incoming;
    incoming.columns = std::move(columns);
    incoming.rows = row_count;
    Chunk appended = select_rows_of(incoming, fresh);
    Modification change;
    affected = fresh.size();
    if (!conflicting.empty()) {
      // Evaluate SET (and WHERE) over the existing row's columns followed by the excluded row's.
      Chunk combined = gather_rows(database, table, conflict_positions);
      Chunk excluded = select_rows_of(incoming, conflicting);
      const size_t width = table.schema.columns.size();
      for (Column& column : excluded.columns) combined.columns.push_back(std::move(column));
      std::vector<uint32_t> chosen;
      if (action.where) {
        select_rows(*action.where, combined.batch(0, combined.rows), chosen);
      } else {
        for (uint32_t i = 0; i < combined.rows; i++) chosen.push_back(i);
      }
      Chunk updated;
      updated.rows = chosen.size();
      std::vector<const Expression*> assigned(width, nullptr);
      for (auto& [column, value] : action.assignments) assigned[column] = value.get();
      const Batch batch = combined.batch(0, combined.rows);
      for (size_t c = 0; c < width; c++) {
        Column column(table.schema.columns[c].type);
        if (assigned[c]) {
          const Datum datum = evaluate(*assigned[c], batch);
          if (datum.broadcast) {
            std::vector<uint32_t> zeros(chosen.size(), 0);
            column.append_selected(datum.view, zeros.data(), zeros.size());
          } else {
            column.append_selected(datum.view, chosen.data(), chosen.size());
          }
        } else {
          column.append_selected(combined.columns[c].view(), chosen.data(), chosen.size());
        }
        updated.columns.push_back(std::move(column));
      }
      for (uint32_t index : chosen) change.deleted.push_back(conflict_positions[index]);
      for (size_t c = 0; c < width; c++) appended.columns[c].append_column(updated.columns[c]);
      appended.rows += updated.rows;
      affected += updated.rows;
    }
    change.inserted = std::move(appended.columns);
    change.inserted_rows = appended.rows;
    return change;
  });
  return affected;
}

}  // namespace replaydb
