// Gathering join pairs into output chunks, residual filtering and LEFT/SEMI/ANTI completion.
#include "exec/join_output.hpp"

#include <algorithm>

namespace replaydb {

void gather_or_null(Column& out, const ColumnView& source, const uint32_t* rows, size_t count) {
  size_t start = 0;
  while (start < count) {
    // Runs of real rows are gathered in one call; sentinels become NULLs.
    size_t end = start;
    while (end < count && rows[end] != kNoRow) end++;
    out.append_selected(source, rows + start, end - start);
    while (end < count && rows[end] == kNoRow) {
      out.append_null();
      end++;
    }
    start = end;
  }
}

Chunk join_pairs(const Chunk& left, const Chunk& right, const std::vector<uint32_t>& left_rows,
                 const std::vector<uint32_t>& right_rows, bool with_right) {
  Chunk out;
  for (const Column& column : left.columns) {
    Column gathered(column.type());
    gathered.append_selected(column.view(), left_rows.data(), left_rows.size());
    out.columns.push_back(std::move(gathered));
  }
  if (with_right) {
    for (const Column& column : right.columns) {
      Column gathered(column.type());
      gather_or_null(gathered, column.view(), right_rows.data(), right_rows.size());
      out.columns.push_back(std::move(gathered));
    }
  }
  out.rows = left_rows.size();
  return out;
}

void filter_pairs(const Expression& residual, const Chunk& left, const Chunk& right, std::vector<uint32_t>& left_rows,
                  std::vector<uint32_t>& right_rows, const ExecutionContext& context) {
  std::vector<uint32_t> kept_left, kept_right, selection;
  for (size_t start = 0; start < left_rows.size(); start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, left_rows.size() - start);
    std::vector<uint32_t> batch_left(left_rows.begin() + start, left_rows.begin() + start + count);
    std::vector<uint32_t> batch_right(right_rows.begin() + start, right_rows.begin() + start + count);
    const Chunk pairs = join_pairs(left, right, batch_left, batch_right, true);
    select_rows(residual, pairs.batch(0, count), selection);
    for (uint32_t index : selection) {
      kept_left.push_back(batch_left[index]);
      kept_right.push_back(batch_right[index]);
    }
  }
  left_rows.swap(kept_left);
  right_rows.swap(kept_right);
}

Chunk finish_join(JoinType type, const Chunk& left, const Chunk& right, std::vector<uint32_t>& left_rows,
                  std::vector<uint32_t>& right_rows) {
  if (type == JoinType::Inner) return join_pairs(left, right, left_rows, right_rows, true);
  std::vector<uint8_t> matched(left.rows, 0);
  for (uint32_t row : left_rows) matched[row] = 1;
  if (type == JoinType::Semi || type == JoinType::Anti) {
    std::vector<uint32_t> keep;
    const uint8_t want = type == JoinType::Semi ? 1 : 0;
    for (uint32_t row = 0; row < left.rows; row++) {
      if (matched[row] == want) keep.push_back(row);
    }
    return join_pairs(left, right, keep, keep, false);
  }
  // LEFT: every pair, plus each unmatched left row once with NULLs, in left order.
  std::vector<uint32_t> out_left, out_right;
  out_left.reserve(left_rows.size() + left.rows);
  out_right.reserve(left_rows.size() + left.rows);
  size_t pair = 0;
  for (uint32_t row = 0; row < left.rows; row++) {
    if (!matched[row]) {
      out_left.push_back(row);
      out_right.push_back(kNoRow);
      continue;
    }
    while (pair < left_rows.size() && left_rows[pair] == row) {
      out_left.push_back(row);
      out_right.push_back(right_rows[pair]);
      pair++;
    }
  }
  return join_pairs(left, right, out_left, out_right, true);
}

}  // namespace replaydb
