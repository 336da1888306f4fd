// Judging comparisons of a column with a constant against a segment's zone map.
#include "exec/zone_prune.hpp"

#include <cmath>

namespace replaydb {
namespace {

bool constant_number(const Expression& e, double& out) {
  if (e.kind != ExpressionKind::Constant || e.constant.is_null()) return false;
  switch (e.constant.type.id) {
    case TypeId::Int:
    case TypeId::BigInt:
    case TypeId::Timestamp:
    case TypeId::Boolean: out = double(e.constant.integer); return true;
    case TypeId::Real:
    case TypeId::Double: out = e.constant.real; return true;
    default: return false;
  }
}

CompareOperator flipped(CompareOperator op) {
  switch (op) {
    case CompareOperator::Less: return CompareOperator::Greater;
    case CompareOperator::LessEqual: return CompareOperator::GreaterEqual;
    case CompareOperator::Greater: return CompareOperator::Less;
    case CompareOperator::GreaterEqual: return CompareOperator::LessEqual;
    default: return op;
  }
}

bool compare_may_match(const Expression& e, const Segment& segment) {
  const Expression* column = e.args[0].get();
  const Expression* constant = e.args[1].get();
  CompareOperator op = e.compare;
  if (column->kind != ExpressionKind::Column) {
    std::swap(column, constant);
    op = flipped(op);
  }
  double value;
  if (column->kind != ExpressionKind::Column || !constant_number(*constant, value)) return true;
  if (column->column < 0 || size_t(column->column) >= segment.column_count()) return true;
  const SegmentColumnInfo& info = segment.info(size_t(column->column));
  // A comparison with NULL is never true; a column of only NULLs passes nothing.
  if (info.null_count == segment.row_count()) return false;
  if (!info.zone.valid) return true;
  const double lo = info.zone.min, hi = info.zone.max;
  // Zone maps hold doubles: past 2^53 integers round, so only prune where values are exact.
  constexpr double kExact = 9007199254740992.0;
  if (std::fabs(value) >= kExact || std::fabs(lo) >= kExact || std::fabs(hi) >= kExact) return true;
  switch (op) {
    case CompareOperator::Equal: return lo <= value && value <= hi;
    case CompareOperator::NotEqual: return !(lo == value && hi == value);
    case CompareOperator::Less: return lo < value;
    case CompareOperator::LessEqual: return lo <= value;
    case CompareOperator::Greater: return hi > value;
    case CompareOperator::GreaterEqual: return hi >= value;
  }
  return true;
}

}  // namespace

bool segment_may_match(const Expression& filter, const Segment& segment) {
  switch (filter.kind) {
    case ExpressionKind::And:
      for (const auto& arg : filter.args) {
        if (!segment_may_match(*arg, segment)) return false;
      }
      return true;
    case ExpressionKind::Or:
      for (const auto& arg : filter.args) {
        if (segment_may_match(*arg, segment)) return true;
      }
      return filter.args.empty();
    case ExpressionKind::Compare: return compare_may_match(filter, segment);
    default: return true;
  }
}

}  // namespace replaydb
