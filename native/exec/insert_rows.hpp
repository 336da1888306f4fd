// INSERT: completes the columns a statement supplied with each missing column's DEFAULT
// (a constant, NOW(), or NULL) and hands whole schema-order columns to the store.
#pragma once
#include <string>
#include <vector>

#include "common/column.hpp"
#include "store/database.hpp"

namespace replaydb {

struct InsertRows {
  std::string table;
  std::vector<int> target_columns;  // schema index of each supplied column
  std::vector<Column> supplied;     // one per target column, of the schema type
  size_t row_count = 0;
  int64_t statement_time_micros = 0;  // what NOW() means in this statement
};

/** Returns the number of rows inserted. */
size_t insert_rows(Database& database, InsertRows rows);

}  // namespace replaydb
