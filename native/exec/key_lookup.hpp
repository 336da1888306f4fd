// Finding rows by primary key instead of scanning: a scan whose output covers exactly its
// table's primary key can be probed through the table's key index (key → position), and
// the rows found gathered by position. Joins use it when the other side is small (a LIMIT,
// a vector top-k), IN / EXISTS sub-plans when rows are probed one at a time.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "exec/plan.hpp"
#include "store/database.hpp"

namespace replaydb {

constexpr uint64_t kNoPosition = UINT64_MAX;

/** Every schema column of the rows at `positions` (live or not), in that order. */
Chunk gather_rows(const Database& database, const TableState& table, const std::vector<uint64_t>& positions);

class KeyLookup {
 public:
  /**
   * Null unless `scan` is a Scan (without row ids) of a table with a primary key, and its
   * output columns `outputs` are that key's columns, each once, in any order; probes of
   * output i then must have the type of that column. Caller holds the read lock.
   */
  static std::unique_ptr<KeyLookup> create(const PlanNode& scan, const std::vector<uint32_t>& outputs, const ExecutionContext& context);
  /**
   * As create(), also seeing through a projection of plain columns over the scan (how
   * `IN (SELECT key FROM t)` plans): for find() and passes() only, as gather() returns
   * the scan's columns, not the projection's.
   */
  static std::unique_ptr<KeyLookup> create_for_probes(const PlanNode& plan, const std::vector<uint32_t>& outputs,
                                                      const ExecutionContext& context);

  /** Type each probe column must have (probe i matches output i). */
  const std::vector<DataType>& key_types() const { return key_types_; }
  /** Bytes naming the lookups' results: table, key mapping, filter and the rows' content stamp; empty if the filter cannot be fingerprinted. */
  std::string cache_key() const;
  /** Rows stored in the table (deleted ones included). */
  size_t table_rows() const { return table_->stored_rows(); }

  /**
   * Position of the live row whose key is row `row` of `probes` (probe i for output i), or
   * kNoPosition if there is none or a probe is NULL. Ignores the scan's filter.
   */
  uint64_t find(const std::vector<ColumnView>& probes, size_t row) const;
  /** find() of every row of `probes` at once (their cache misses overlap). */
  std::vector<uint64_t> find_all(const std::vector<ColumnView>& probes, size_t rows) const;
  /** Whether the row at `position` passes the scan's filter: on first use the filter is evaluated over the whole table. */
  bool passes(uint64_t position) const;
  /**
   * The scan's output for the rows at `positions` that pass its filter (evaluated over those
   * rows only), and in `kept` the index into `positions` of each output row.
   */
  Chunk gather(const std::vector<uint64_t>& positions, std::vector<uint32_t>& kept) const;

 private:
  KeyLookup(const PlanNode& scan, const TableState& table, const ExecutionContext& context)
      : scan_(scan), table_(&table), context_(context) {}
  const PlanNode& scan_;
  const TableState* table_;
  const ExecutionContext& context_;
  const KeyIndex* index_ = nullptr;
  std::vector<size_t> probe_of_key_part_;  // key column j (schema order of the key) → probe index
  std::vector<DataType> key_types_;
  mutable std::string key_;  // reused probe buffer
  mutable bool filter_evaluated_ = false;
  mutable std::vector<uint8_t> passing_;  // per position, when the scan has a filter
};

}  // namespace replaydb
