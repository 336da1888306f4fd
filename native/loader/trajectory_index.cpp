// Grouping steps into trajectories (see trajectory_index.hpp).
#include "loader/trajectory_index.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "common/error.hpp"

namespace replaydb::loader {

namespace {

std::string_view key_of(const ColumnView& column, size_t row) {
  if (column.type.is_variable_width()) return column.bytes(row);
  return std::string_view(reinterpret_cast<const char*>(column.fixed(row)), column.type.width());
}

/** A step as a sortable double (exact for every step a trajectory realistically has). */
double step_of(const ColumnView& step, size_t row) {
  switch (step.type.id) {
    case TypeId::Int: return step.value<int32_t>(row);
    case TypeId::BigInt:
    case TypeId::Timestamp: return double(step.value<int64_t>(row));
    case TypeId::Real: return step.value<float>(row);
    case TypeId::Double: return step.value<double>(row);
    default: return 0;
  }
}

}  // namespace

TrajectoryIndex build_trajectory_index(const ColumnView& trajectory_id, const ColumnView& step, const ColumnView& role) {
  if (!step.type.is_numeric() && step.type.id != TypeId::Timestamp && step.type.id != TypeId::Null) {
    throw EngineError("datatype_mismatch", "token batches need a numeric step column, not " + step.type.name());
  }
  if (role.type.id != TypeId::Text && role.type.id != TypeId::Null) {
    throw EngineError("datatype_mismatch", "token batches need a text role column, not " + role.type.name());
  }
  const size_t rows = trajectory_id.size;
  TrajectoryIndex index;
  index.row_roles.resize(rows);

  // Roles: few distinct values, looked up per row.
  std::unordered_map<std::string_view, uint32_t> role_numbers;
  for (size_t row = 0; row < rows; row++) {
    const std::string_view value = role.type.id == TypeId::Text && !role.is_null(row) ? role.bytes(row) : std::string_view();
    auto found = role_numbers.find(value);
    if (found == role_numbers.end()) {
      found = role_numbers.emplace(value, uint32_t(index.roles.size())).first;
      index.roles.emplace_back(value);
    }
    index.row_roles[row] = found->second;
  }

  // Trajectories, numbered by first appearance; NULL ids form one trajectory of their own.
  std::unordered_map<std::string_view, uint32_t> numbers;
  numbers.reserve(rows / 4 + 16);
  std::vector<uint32_t> trajectory_of(rows);
  uint32_t null_number = UINT32_MAX;
  uint32_t count = 0;
  for (size_t row = 0; row < rows; row++) {
    uint32_t number;
    if (trajectory_id.is_null(row) || trajectory_id.type.id == TypeId::Null) {
      if (null_number == UINT32_MAX) null_number = count++;
      number = null_number;
    } else {
      auto [entry, added] = numbers.emplace(key_of(trajectory_id, row), count);
      if (added) count++;
      number = entry->second;
    }
    trajectory_of[row] = number;
  }

  // Counting sort by trajectory keeps the result's order within each, then sort by step.
  index.offsets.assign(size_t(count) + 1, 0);
  for (size_t row = 0; row < rows; row++) index.offsets[trajectory_of[row] + 1]++;
  for (size_t t = 0; t < count; t++) index.offsets[t + 1] += index.offsets[t];
  index.rows.resize(rows);
  std::vector<uint32_t> next(index.offsets.begin(), index.offsets.end() - 1);
  for (size_t row = 0; row < rows; row++) index.rows[next[trajectory_of[row]]++] = uint32_t(row);
  for (size_t t = 0; t < count; t++) {
    auto first = index.rows.begin() + index.offsets[t];
    auto last = index.rows.begin() + index.offsets[t + 1];
    std::stable_sort(first, last, [&](uint32_t a, uint32_t b) {
      const bool a_null = step.is_null(a), b_null = step.is_null(b);
      if (a_null || b_null) return !a_null && b_null;
      return step_of(step, a) < step_of(step, b);
    });
  }
  return index;
}

}  // namespace replaydb::loader
