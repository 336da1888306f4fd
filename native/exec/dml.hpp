// DELETE, UPDATE and INSERT … ON CONFLICT: each computes, under the table's exclusive lock,
// the rows to delete (by position) and the rows to append, and hands both to the store as
// one atomic modification. An UPDATE is a delete plus an append of the changed rows.
#pragma once
#include "exec/statement.hpp"

namespace replaydb {

size_t run_delete(Database& database, Statement& statement, const CancellationToken* cancellation);
size_t run_update(Database& database, Statement& statement, const CancellationToken* cancellation);
size_t run_upsert(Database& database, Statement& statement, const CancellationToken* cancellation);

}  // namespace replaydb
