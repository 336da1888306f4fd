// Filling defaults and applying an INSERT.
#include "exec/insert_rows.hpp"

#include "common/error.hpp"
#include "common/value.hpp"

namespace replaydb {

size_t insert_rows(Database& database, InsertRows rows) {
  std::vector<ColumnSchema> schema;
  {
    auto guard = database.read_lock();
    const TableState* table = database.find_table(rows.table);
    if (!table) throw EngineError("undefined_table", "relation \"" + rows.table + "\" does not exist");
    schema = table->schema.columns;
  }
  std::vector<Column> columns;
  std::vector<int> source(schema.size(), -1);
  for (size_t i = 0; i < rows.target_columns.size(); i++) source[rows.target_columns[i]] = int(i);
  for (size_t c = 0; c < schema.size(); c++) {
    if (source[c] >= 0) {
      columns.push_back(std::move(rows.supplied[source[c]]));
      continue;
    }
    Column column(schema[c].type);
    column.reserve(rows.row_count);
    Value fill;
    if (schema[c].default_kind == DefaultKind::Constant) {
      fill = schema[c].default_value;
    } else if (schema[c].default_kind == DefaultKind::Now) {
      fill = Value::of_integer(TypeId::Timestamp, rows.statement_time_micros);
    }
    if (fill.is_null()) {
      for (size_t r = 0; r < rows.row_count; r++) column.append_null();
    } else {
      for (size_t r = 0; r < rows.row_count; r++) append_value(column, fill);
    }
    columns.push_back(std::move(column));
  }
  database.insert(rows.table, std::move(columns), rows.row_count);
  return rows.row_count;
}

}  // namespace replaydb
