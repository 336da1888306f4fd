// Groups a query result's steps into trajectories for token batches: rows with equal
// trajectory_id form one trajectory (in the order each id first appears in the result, so
// an unshuffled loader follows the query's order), and within it rows are ordered by step
// (ties and NULL steps keep the result's order, NULL steps last). Roles are numbered by
// first appearance; a NULL role is the empty string.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/column.hpp"

namespace replaydb::loader {

struct TrajectoryIndex {
  /** Trajectory t holds rows[offsets[t] … offsets[t + 1]). */
  std::vector<uint32_t> offsets{0};
  /** Result row numbers, grouped by trajectory, in step order within each. */
  std::vector<uint32_t> rows;
  /** For every result row: its role's index in `roles`. */
  std::vector<uint32_t> row_roles;
  /** Distinct role values, first appearance first. */
  std::vector<std::string> roles;

  size_t trajectories() const { return offsets.size() - 1; }
};

/** Throws EngineError (datatype_mismatch) when step is not numeric or role not text. */
TrajectoryIndex build_trajectory_index(const ColumnView& trajectory_id, const ColumnView& step, const ColumnView& role);

}  // namespace replaydb::loader
