// Dispatches a prepared statement to the store or the executor. Queries hold the
// database's read lock for their whole run, so they see one consistent state.
#include "exec/statement.hpp"

#include "exec/dml.hpp"
#include "exec/subquery.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

/** Results carry JSONB as compact JSON text, which every consumer (JS, Arrow, GPU) reads. */
void jsonb_columns_to_text(Chunk& chunk) {
  for (Column& column : chunk.columns) {
    if (column.type().id != TypeId::Jsonb) continue;
    const ColumnView view = column.view();
    Column text(column.type());
    text.reserve(view.size, column.data().size() * 2);
    std::string buffer;
    for (size_t row = 0; row < view.size; row++) {
      if (view.is_null(row)) {
        text.append_null();
        continue;
      }
      buffer.clear();
      jsonb::to_compact_text(view.bytes(row), buffer);
      text.append_bytes(buffer);
    }
    column = std::move(text);
  }
}

}  // namespace

StatementResult run_statement(Database& database, Statement& statement, const CancellationToken* cancellation) {
  StatementResult result;
  switch (statement.kind) {
    case StatementKind::CreateTable:
      result.affected = database.create_table(statement.schema, statement.if_exists) ? 1 : 0;
      break;
    case StatementKind::DropTable:
      database.drop_tables(statement.names, statement.if_exists);
      break;
    case StatementKind::CreateIndex:
      result.affected = database.create_index(statement.table, statement.index, statement.if_exists) ? 1 : 0;
      break;
    case StatementKind::DropIndex: database.drop_index(statement.index.name, statement.if_exists); break;
    case StatementKind::Delete: result.affected = run_delete(database, statement, cancellation); break;
    case StatementKind::Update: result.affected = run_update(database, statement, cancellation); break;
    case StatementKind::Insert:
      if (statement.on_conflict.kind != ConflictAction::Kind::Error) {
        result.affected = run_upsert(database, statement, cancellation);
        break;
      }
      database.insert(statement.insert.table, statement.insert.target_columns, std::move(statement.insert.supplied),
                      statement.insert.row_count, statement.insert.statement_time_micros);
      result.affected = statement.insert.row_count;
      break;
    case StatementKind::Query: {
      auto guard = database.read_lock();
      if (database.is_closed()) throw EngineError("connection_closed", "the database is closed");
      ExecutionContext context{database, cancellation};
      run_subqueries(statement.subqueries, *statement.plan, context);
      result.chunk = execute_plan(*statement.plan, context);
      result.has_rows = true;
      jsonb_columns_to_text(result.chunk);
      break;
    }
  }
  return result;
}

}  // namespace replaydb
