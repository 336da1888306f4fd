// Assembling the output of a join from matched (left row, right row) pairs: left columns
// gathered by left index, right columns by right index, where kNoRow stands for the NULL
// row of an unmatched LEFT JOIN row.
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "exec/plan.hpp"

namespace replaydb {

constexpr uint32_t kNoRow = std::numeric_limits<uint32_t>::max();

/** Appends rows of `source` at `rows` (kNoRow → NULL) to `out`. */
void gather_or_null(Column& out, const ColumnView& source, const uint32_t* rows, size_t count);

/** The joined chunk for pairs (left_rows[i], right_rows[i]); right columns omitted when !with_right. */
Chunk join_pairs(const Chunk& left, const Chunk& right, const std::vector<uint32_t>& left_rows,
                 const std::vector<uint32_t>& right_rows, bool with_right);

/**
 * Keeps the pairs for which `residual` (over left columns then right columns) is TRUE;
 * evaluated a batch of pairs at a time.
 */
void filter_pairs(const Expression& residual, const Chunk& left, const Chunk& right, std::vector<uint32_t>& left_rows,
                  std::vector<uint32_t>& right_rows, const ExecutionContext& context);

/** Completes a join from its surviving pairs (sorted by left row) according to its type. */
Chunk finish_join(JoinType type, const Chunk& left, const Chunk& right, std::vector<uint32_t>& left_rows,
                  std::vector<uint32_t>& right_rows);

}  // namespace replaydb
