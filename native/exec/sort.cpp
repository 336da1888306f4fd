// Sort and top-k: evaluates the sort keys once, orders row indexes (a partial sort when a
// LIMIT bounds the output), then gathers every column in that order. Stable, so rows with
// equal keys keep their input order. NULLs sort as larger than any value, as in Postgres
// (last for ASC, first for DESC) unless NULLS FIRST/LAST says otherwise.
#include <algorithm>
#include <numeric>

#include "common/error.hpp"
#include "exec/plan.hpp"

namespace replaydb {
namespace {

int compare_rows(const ColumnView& view, uint32_t a, uint32_t b) {
  switch (view.type.id) {
    case TypeId::Int: {
      const auto x = view.value<int32_t>(a), y = view.value<int32_t>(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case TypeId::BigInt:
    case TypeId::Timestamp: {
      const auto x = view.value<int64_t>(a), y = view.value<int64_t>(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case TypeId::Real: {
      // Postgres orders NaN above every other value.
      const auto x = view.value<float>(a), y = view.value<float>(b);
      if (x != x || y != y) return (x != x) - (y != y);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case TypeId::Double: {
      const auto x = view.value<double>(a), y = view.value<double>(b);
      if (x != x || y != y) return (x != x) - (y != y);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case TypeId::Boolean: return int(view.data[a]) - int(view.data[b]);
    case TypeId::Text:
    case TypeId::Jsonb: {
      const std::string_view x = view.bytes(a), y = view.bytes(b);
      const int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
      if (c != 0) return c;
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    default: throw EngineError("undefined_function", "cannot order by a " + view.type.name() + " value");
  }
}

}  // namespace

Chunk run_sort(const PlanNode& node, const ExecutionContext& context) {
  Chunk input = execute_plan(*node.input, context);
  std::vector<Column> keys;
  for (const SortKey& key : node.keys) {
    Column column(key.expression->type);
    for (size_t start = 0; start < input.rows; start += kBatchRows) {
      const size_t count = std::min(kBatchRows, input.rows - start);
      const Datum datum = evaluate(*key.expression, input.batch(start, count));
      if (datum.broadcast) {
        std::vector<uint32_t> zeros(count, 0);
        column.append_selected(datum.view, zeros.data(), count);
      } else {
        column.append_range(datum.view, 0, count);
      }
    }
    keys.push_back(std::move(column));
  }
  context.check_cancelled();
  std::vector<ColumnView> views;
  for (const Column& column : keys) views.push_back(column.view());
  std::vector<uint32_t> order(input.rows);
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < views.size(); k++) {
      const ColumnView& view = views[k];
      const bool a_null = view.is_null(a), b_null = view.is_null(b);
      if (a_null || b_null) {
        if (a_null && b_null) continue;
        return a_null == node.keys[k].nulls_first;
      }
      int c = compare_rows(view, a, b);
      if (c == 0) continue;
      return node.keys[k].descending ? c > 0 : c < 0;
    }
    return a < b;  // stability: ties keep input order
  };
  // Input already in order (a vector top-k returns its rows nearest first) needs no sort,
  // and without a cut no gather either.
  const bool in_order = std::is_sorted(order.begin(), order.end(), less);
  const size_t keep = node.limit >= 0 && size_t(node.limit) < input.rows ? size_t(node.limit) : input.rows;
  if (in_order && keep == input.rows) return input;
  if (in_order) {
    order.resize(keep);
  } else if (keep < input.rows) {
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), less);
    order.resize(keep);
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  Chunk out;
  for (const Column& column : input.columns) {
    Column sorted(column.type());
    sorted.append_selected(column.view(), order.data(), keep);
    out.columns.push_back(std::move(sorted));
  }
  out.rows = keep;
  return out;
}

}  // namespace replaydb
