// Conditional expressions: CASE, COALESCE, NULLIF, GREATEST and LEAST, and the row plumbing
// they share. CASE and COALESCE evaluate each branch only on the rows that reach it, as
// Postgres does, so `CASE WHEN x = 0 THEN 0 ELSE 1 / x END` never divides by zero: a branch
// sees a sub-batch holding only its rows (only the columns it reads are gathered), and the
// result is assembled from the branches' outputs in one pass. Branch results arrive already
// cast to the node's type by the binder.
#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

void collect_columns(const Expression& e, std::vector<int>& columns) {
  if (e.kind == ExpressionKind::Column) columns.push_back(e.column);
  for (const auto& arg : e.args) collect_columns(*arg, columns);
}

template <size_t Width>
void copy_fixed_rows(uint8_t* out, size_t rows, const std::vector<Datum>& sources, const std::vector<int32_t>& source,
                     const std::vector<uint32_t>& index, size_t width) {
  for (size_t i = 0; i < rows; i++) {
    if (source[i] < 0) continue;
    const Datum& from = sources[size_t(source[i])];
    const size_t bytes = Width ? Width : width;
    std::memcpy(out + i * bytes, from.view.data + from.row(index[i]) * bytes, bytes);
  }
}

/** NaN sorts above every other value, as in Postgres. */
template <typename T>
bool sql_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

Datum evaluate_coalesce(const Expression& e, const Batch& batch) {
  std::vector<uint32_t> remaining(batch.size);
  for (size_t i = 0; i < batch.size; i++) remaining[i] = uint32_t(i);
  std::vector<Datum> sources;
  std::vector<int32_t> source(batch.size, -1);
  std::vector<uint32_t> index(batch.size, 0);
  GatheredColumns keep;
  for (size_t a = 0; a < e.args.size() && !remaining.empty(); a++) {
    Datum value = evaluate_on_rows(*e.args[a], batch, remaining, keep);
    if (a == 0 && value.view.type == e.type && !value.view.validity && (value.broadcast ? !value.is_null(0) : true)) {
      return value;  // no NULL in the first argument: it is the result
    }
    const int32_t id = int32_t(sources.size());
    std::vector<uint32_t> still_null;
    for (size_t k = 0; k < remaining.size(); k++) {
      if (value.is_null(k)) {
        still_null.push_back(remaining[k]);
      } else {
        source[remaining[k]] = id;
        index[remaining[k]] = uint32_t(k);
      }
    }
    sources.push_back(std::move(value));
    remaining.swap(still_null);
  }
  return assemble_rows(e.type, batch.size, sources, source, index);
}

Datum evaluate_nullif(const Expression& e, const Batch& batch) {
  const Arguments args = evaluate_arguments(e, batch);
  std::vector<uint8_t> equal;
  equal_rows(args[0], args[1], args.rows, equal, e.id);
  std::vector<int32_t> source(args.rows, 0);
  std::vector<uint32_t> index(args.rows);
  for (size_t i = 0; i < args.rows; i++) {
    index[i] = uint32_t(i);
    if (!args[1].is_null(i) && !args[0].is_null(i) && equal[i]) source[i] = -1;
  }
  Datum out = assemble_rows(e.type, args.rows, {args[0]}, source, index);
  out.broadcast = args.broadcast;
  return out;
}

/** GREATEST / LEAST: the largest (smallest) non-NULL argument; NULL only when all are. */
template <bool Greatest>
Datum evaluate_extreme(const Expression& e, const Batch& batch) {
  const Arguments args = evaluate_arguments(e, batch);
  const size_t rows = args.rows;
  std::vector<int32_t> source(rows, -1);
  std::vector<uint32_t> index(rows);
  for (size_t i = 0; i < rows; i++) index[i] = uint32_t(i);
  auto better = [](auto candidate, auto best) { return Greatest ? sql_less(best, candidate) : sql_less(candidate, best); };
  if (e.type.id == TypeId::Text) {
    std::vector<std::string_view> best(rows);
    for (size_t a = 0; a < args.size(); a++) {
      for (size_t i = 0; i < rows; i++) {
        if (args[a].is_null(i)) continue;
        const std::string_view v = text_at(args[a], i);
        if (source[i] < 0 || better(v, best[i])) {
          best[i] = v;
          source[i] = int32_t(a);
        }
      }
    }
  } else {
    with_physical(e.type.id, [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> best(rows);
      for (size_t a = 0; a < args.size(); a++) {
        for (size_t i = 0; i < rows; i++) {
          if (args[a].is_null(i)) continue;
          const T v = value_at_row<T>(args[a], i);
          if (source[i] < 0 || better(v, best[i])) {
            best[i] = v;
            source[i] = int32_t(a);
          }
        }
      }
    });
  }
  Datum out = assemble_rows(e.type, rows, args.values, source, index);
  out.broadcast = args.broadcast;
  return out;
}

}  // namespace

Datum evaluate_on_rows(const Expression& e, const Batch& batch, const std::vector<uint32_t>& rows, GatheredColumns& keep) {
  if (rows.size() == batch.size) return evaluate(e, batch);  // ascending and complete: every row
  Batch sub;
  sub.size = rows.size();
  sub.columns = batch.columns;  // views; only the ones `e` reads are replaced below
  std::vector<int> used;
  collect_columns(e, used);
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  for (int c : used) {
    auto gathered = std::make_shared<Column>(batch.columns[size_t(c)].type);
    gathered->append_selected(batch.columns[size_t(c)], rows.data(), rows.size());
    sub.columns[size_t(c)] = gathered->view();
    keep.push_back(std::move(gathered));
  }
  return evaluate(e, sub);
}

Datum assemble_rows(DataType type, size_t rows, const std::vector<Datum>& sources, const std::vector<int32_t>& source,
                    const std::vector<uint32_t>& index) {
  // A source of another type can only be an untyped NULL constant; its rows are NULL.
  std::vector<int32_t> effective = source;
  for (size_t s = 0; s < sources.size(); s++) {
    if (sources[s].view.type == type) continue;
    if (!(sources[s].broadcast && sources[s].is_null(0))) {
      throw EngineError("internal_error", "branch of type " + sources[s].view.type.name() + " where " + type.name() + " was planned");
    }
    for (int32_t& from : effective) {
      if (from == int32_t(s)) from = -1;
    }
  }
  for (size_t i = 0; i < rows; i++) {
    if (effective[i] >= 0 && sources[size_t(effective[i])].is_null(index[i])) effective[i] = -1;
  }
  auto out = std::make_shared<Column>(type);
  if (type.is_variable_width()) {
    out->reserve(rows);
    for (size_t i = 0; i < rows; i++) {
      if (effective[i] < 0) {
        out->append_null();
      } else {
        const Datum& from = sources[size_t(effective[i])];
        out->append_bytes(from.view.bytes(from.row(index[i])));
      }
    }
    return datum_of(std::move(out));
  }
  const size_t width = type.width();
  out->data().assign(rows * width, 0);
  uint8_t* data = out->data().data();
  switch (width) {
    case 1: copy_fixed_rows<1>(data, rows, sources, effective, index, width); break;
    case 4: copy_fixed_rows<4>(data, rows, sources, effective, index, width); break;
    case 8: copy_fixed_rows<8>(data, rows, sources, effective, index, width); break;
    default: copy_fixed_rows<0>(data, rows, sources, effective, index, width); break;
  }
  bool any_null = false;
  for (size_t i = 0; i < rows && !any_null; i++) any_null = effective[i] < 0;
  if (any_null) {
    out->validity().resize(rows);
    for (size_t i = 0; i < rows; i++) out->validity()[i] = effective[i] >= 0;
  }
  out->set_size(rows);
  return datum_of(std::move(out));
}

void equal_rows(const Datum& a, const Datum& b, size_t rows, std::vector<uint8_t>& equal, int expression_id) {
  equal.assign(rows, 0);
  const DataType& type = a.view.type;
  if (type != b.view.type) {
    if (!type.is_numeric() || !b.view.type.is_numeric()) {
      throw EngineError("internal_error", "cannot compare " + type.name() + " with " + b.view.type.name(), -1, expression_id);
    }
    for (size_t i = 0; i < rows; i++) {
      if (a.is_null(i) || b.is_null(i)) continue;
      const double x = numeric_as_double(a.view, a.row(i)), y = numeric_as_double(b.view, b.row(i));
      equal[i] = x == y || (std::isnan(x) && std::isnan(y));
    }
    return;
  }
  switch (type.id) {
    case TypeId::Text:
      for (size_t i = 0; i < rows; i++) equal[i] = text_at(a, i) == text_at(b, i);
      return;
    case TypeId::Jsonb:
      try {
        for (size_t i = 0; i < rows; i++) {
          if (!a.is_null(i) && !b.is_null(i)) equal[i] = jsonb::equals(text_at(a, i), text_at(b, i));
        }
      } catch (const jsonb::JsonbCorrupt& error) {
        throw EngineError("data_corrupted", error.what(), -1, expression_id);
      }
      return;
    case TypeId::Vector: {
      const size_t width = type.width();
      for (size_t i = 0; i < rows; i++) equal[i] = std::memcmp(a.view.fixed(a.row(i)), b.view.fixed(b.row(i)), width) == 0;
      return;
    }
    case TypeId::Null: return;
    default:
      with_physical(type.id, [&](auto tag) {
        using T = decltype(tag);
        for (size_t i = 0; i < rows; i++) {
          const T x = value_at_row<T>(a, i), y = value_at_row<T>(b, i);
          if constexpr (std::is_floating_point_v<T>) {
            equal[i] = x == y || (std::isnan(x) && std::isnan(y));
          } else {
            equal[i] = x == y;
          }
        }
      });
  }
}

Datum evaluate_case(const Expression& e, const Batch& batch) {
  const size_t branches = (e.args.size() - (e.has_else ? 1 : 0)) / 2;
  std::vector<uint32_t> remaining(batch.size);
  for (size_t i = 0; i < batch.size; i++) remaining[i] = uint32_t(i);
  std::vector<Datum> sources;
  std::vector<int32_t> source(batch.size, -1);
  std::vector<uint32_t> index(batch.size, 0);
  GatheredColumns keep;
  std::vector<uint32_t> taken, rest;
  auto take = [&](const Expression& result, const std::vector<uint32_t>& rows) {
    if (rows.empty()) return;
    const int32_t id = int32_t(sources.size());
    sources.push_back(evaluate_on_rows(result, batch, rows, keep));
    for (size_t k = 0; k < rows.size(); k++) {
      source[rows[k]] = id;
      index[rows[k]] = uint32_t(k);
    }
  };
  for (size_t b = 0; b < branches && !remaining.empty(); b++) {
    const Datum condition = evaluate_on_rows(*e.args[2 * b], batch, remaining, keep);
    taken.clear();
    rest.clear();
    for (size_t k = 0; k < remaining.size(); k++) {
      const bool chosen = !condition.is_null(k) && condition.view.data[condition.row(k)] != 0;
      (chosen ? taken : rest).push_back(remaining[k]);
    }
    take(*e.args[2 * b + 1], taken);
    remaining.swap(rest);
  }
  if (e.has_else) take(*e.args.back(), remaining);
  return assemble_rows(e.type, batch.size, sources, source, index);
}

void add_conditional_functions(FunctionTable& table) {
  table["coalesce"] = evaluate_coalesce;
  table["nullif"] = evaluate_nullif;
  table["greatest"] = evaluate_extreme<true>;
  table["least"] = evaluate_extreme<false>;
}

}  // namespace replaydb
