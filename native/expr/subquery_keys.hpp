// The rows of an uncorrelated IN / EXISTS sub-plan as a hash set of encoded keys that each
// outer row probes (a hash semi-join evaluated as an expression, so it works anywhere an
// expression may appear: WHERE, SELECT, CASE, under OR or NOT). The set is built when first
// probed; a sub-plan that scans its table's primary key also offers a KeyProbe, which looks
// single rows up in the key index, so a caller probing few rows never runs the sub-plan.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "expr/expression.hpp"

namespace replaydb {

struct SubqueryKeySet {
  std::unordered_set<std::string> keys;
  /** A sub-plan row had a NULL key: `x IN (…)` is then NULL, not FALSE, when x is not found. */
  bool has_null = false;
  /** Rows the sub-plan returned: EXISTS with no correlation asks only whether this is > 0. */
  size_t rows = 0;
};

/** Membership of one probe tuple, answered without building the whole set. */
class KeyProbe {
 public:
  virtual ~KeyProbe() = default;
  /** Type probe i must have. */
  virtual const std::vector<DataType>& key_types() const = 0;
  /** Whether the sub-plan yields the tuple at row `row` of `probes` (no probe is NULL there). */
  virtual bool contains(const std::vector<ColumnView>& probes, size_t row) const = 0;
  /** Bytes naming what answers depend on (the sub-plan and its table's current rows), or empty when they cannot be cached. */
  virtual std::string cache_key() const = 0;
};

class SubqueryKeys {
 public:
  /** Keys built by `build` when first needed (on the thread that first needs them). */
  SubqueryKeys(std::function<SubqueryKeySet()> build, std::shared_ptr<const KeyProbe> probe)
      : build_(std::move(build)), probe_(std::move(probe)) {}
  /** Keys already built. */
  explicit SubqueryKeys(SubqueryKeySet set);

  const SubqueryKeySet& set() const;
  /** Null unless the sub-plan can be probed by key. */
  const KeyProbe* probe() const { return probe_.get(); }

 private:
  std::function<SubqueryKeySet()> build_;
  std::shared_ptr<const KeyProbe> probe_;
  mutable std::once_flag built_;
  mutable SubqueryKeySet set_;
};

/** The key set of `rows` rows of `columns` (each row's key: all its columns; NULL keys set has_null). */
SubqueryKeySet build_subquery_key_set(const std::vector<Column>& columns, size_t rows);

/** Appends the key encoding of row `row` of `datum` (shared by build and probe sides). */
void append_key(std::string& key, const Datum& datum, size_t row);

/**
 * IN (subquery) when `!exists_semantics`: NULL if the probe is NULL, or not found while the
 * set holds a NULL. EXISTS-style (several probes): TRUE iff the probe tuple is present
 * (a NULL in the probe never matches).
 */
Datum evaluate_in_subquery(const Expression& e, const Batch& batch);

}  // namespace replaydb
