// A statement ready to run: what the binding layer built from one plan message, with every
// parameter already converted. Running it needs no JavaScript, so it can run on a worker
// thread.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "exec/cancellation.hpp"
#include "exec/plan.hpp"
#include "store/database.hpp"

namespace replaydb {

/** The rows of an INSERT: the supplied columns; the store fills the others with defaults. */
struct InsertRows {
  std::string table;
  std::vector<int> target_columns;  // schema index of each supplied column
  std::vector<Column> supplied;     // one per target column, of the schema type
  size_t row_count = 0;
  int64_t statement_time_micros = 0;  // what NOW() means in this statement
};

/** INSERT … ON CONFLICT: what to do with a row whose primary key is taken. */
struct ConflictAction {
  enum class Kind { Error, Nothing, Update } kind = Kind::Error;
  /** Update: column index → new value, over (existing row's columns, then the excluded row's). */
  std::vector<std::pair<int, std::unique_ptr<Expression>>> assignments;
  std::unique_ptr<Expression> where;
};

enum class StatementKind { CreateTable, DropTable, Insert, Query, Delete, Update, CreateIndex, DropIndex };

struct Statement {
  StatementKind kind = StatementKind::Query;
  TableSchema schema;             // CreateTable
  bool if_exists = false;         // CreateTable (IF NOT EXISTS) / DropTable (IF EXISTS)
  std::vector<std::string> names; // DropTable
  InsertRows insert;              // Insert
  ConflictAction on_conflict;     // Insert
  std::string table;              // Delete, Update, CreateIndex
  IndexDefinition index;          // CreateIndex (DropIndex: its name)
  /** Query; Delete: row ids; Update: every column's new value, then the row id. */
  std::unique_ptr<PlanNode> plan;
  std::vector<std::unique_ptr<PlanNode>> subqueries;  // Query: run first, in order
};

struct StatementResult {
  bool has_rows = false;  // a query: `chunk` holds the result columns
  Chunk chunk;
  size_t affected = 0;  // rows inserted, updated or deleted
};

StatementResult run_statement(Database& database, Statement& statement, const CancellationToken* cancellation);

}  // namespace replaydb
