// The rows of an uncorrelated IN / EXISTS sub-plan, run once per statement, as a hash set
// of encoded keys that each outer row probes (a hash semi-join evaluated as an expression,
// so it works anywhere an expression may appear: WHERE, SELECT, CASE, under OR or NOT).
#pragma once
#include <memory>
#include <string>
#include <unordered_set>

#include "expr/expression.hpp"

namespace replaydb {

struct SubqueryKeys {
  std::unordered_set<std::string> keys;
  /** A sub-plan row had a NULL key: `x IN (…)` is then NULL, not FALSE, when x is not found. */
  bool has_null = false;
  /** Rows the sub-plan returned: EXISTS with no correlation asks only whether this is > 0. */
  size_t rows = 0;
};

/** The key set of `rows` rows of `columns` (each row's key: all its columns; NULL keys set has_null). */
std::shared_ptr<SubqueryKeys> build_subquery_keys(const std::vector<Column>& columns, size_t rows);

/** Appends the key encoding of row `row` of `datum` (shared by build and probe sides). */
void append_key(std::string& key, const Datum& datum, size_t row);

/**
 * IN (subquery) when `!exists_semantics`: NULL if the probe is NULL, or not found while the
 * set holds a NULL. EXISTS-style (several probes): TRUE iff the probe tuple is present
 * (a NULL in the probe never matches).
 */
Datum evaluate_in_subquery(const Expression& e, const Batch& batch);

}  // namespace replaydb
