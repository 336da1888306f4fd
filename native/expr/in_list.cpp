// x [NOT] IN (item, …) with Postgres' NULL rules: TRUE when x equals a non-NULL item; else
// NULL when x is NULL or any item is NULL; else FALSE (NOT IN negates TRUE and FALSE and
// keeps NULL). The binder casts x and every item to one type. When the items are constants
// (the usual case) they are collected once per batch, into a hash set when there are more
// than a few, and each row costs one probe; otherwise items are compared row by row.
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <vector>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"

namespace replaydb {
namespace {

constexpr size_t kLinearSearchLimit = 8;

/** Writes the IN result of one row given whether x was found and whether the list held NULL. */
inline void set_result(FixedBuilder<uint8_t>& out, size_t i, bool found, bool list_has_null, bool negated) {
  if (!found && list_has_null) {
    out.set_null(i);
  } else {
    out.set(i, uint8_t(found != negated));
  }
}

/** Probes constant items collected as `keys` (C++ type Key) with the rows of `value`. */
template <typename Key, typename Load>
void probe_constants(const Datum& value, std::vector<Key>& keys, bool list_has_null, size_t rows, bool negated, Load load,
                     FixedBuilder<uint8_t>& out) {
  std::unordered_set<Key> set;
  const bool hashed = keys.size() > kLinearSearchLimit;
  if (hashed) set.insert(keys.begin(), keys.end());
  for (size_t i = 0; i < rows; i++) {
    if (value.is_null(i)) {
      out.set_null(i);
      continue;
    }
    const Key x = load(i);
    bool found = false;
    if (hashed) {
      found = set.count(x) != 0;
    } else {
      for (const Key& key : keys) found = found || key == x;
    }
    set_result(out, i, found, list_has_null, negated);
  }
}

/** A float as a hashable key under SQL equality: -0 is 0, and every NaN is the same NaN. */
inline uint64_t float_key(double v) {
  if (std::isnan(v)) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (v == 0) {
    v = 0.0;
  }
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

/** Whether every item has the value's type (the binder casts them; checked before raw loads). */
bool same_item_types(const Arguments& args) {
  for (size_t a = 1; a < args.size(); a++) {
    if (args[a].view.type != args[0].view.type && !args[a].is_null(0)) return false;
  }
  return true;
}

bool constant_items_fast_path(const Arguments& args, bool negated, FixedBuilder<uint8_t>& out) {
  for (size_t a = 1; a < args.size(); a++) {
    if (!args[a].broadcast) return false;
  }
  const Datum& value = args[0];
  const TypeId type = value.view.type.id;
  bool list_has_null = false;
  auto each_item = [&](auto collect) {
    for (size_t a = 1; a < args.size(); a++) {
      if (args[a].is_null(0)) {
        list_has_null = true;
      } else {
        collect(args[a]);
      }
    }
  };
  switch (type) {
    case TypeId::Text: {
      if (!same_item_types(args)) return false;
      std::vector<std::string_view> keys;
      each_item([&](const Datum& item) { keys.push_back(text_at(item, 0)); });
      probe_constants(value, keys, list_has_null, args.rows, negated, [&](size_t i) { return text_at(value, i); }, out);
      return true;
    }
    case TypeId::Real:
    case TypeId::Double: {
      if (!same_item_types(args)) return false;
      std::vector<uint64_t> keys;
      each_item([&](const Datum& item) { keys.push_back(float_key(numeric_as_double(item.view, 0))); });
      probe_constants(value, keys, list_has_null, args.rows, negated, [&](size_t i) { return float_key(numeric_as_double(value.view, value.row(i))); }, out);
      return true;
    }
    case TypeId::Int:
    case TypeId::BigInt:
    case TypeId::Timestamp:
    case TypeId::Boolean: {
      if (!same_item_types(args)) return false;
      with_physical(type, [&](auto tag) {
        using T = decltype(tag);
        std::vector<int64_t> keys;
        each_item([&](const Datum& item) { keys.push_back(int64_t(value_at_row<T>(item, 0))); });
        probe_constants(value, keys, list_has_null, args.rows, negated, [&](size_t i) { return int64_t(value_at_row<T>(value, i)); }, out);
      });
      return true;
    }
    default: return false;  // JSONB and vectors compare structurally: the general path
  }
}

}  // namespace

Datum evaluate_in_list(const Expression& e, const Batch& batch) {
  const Arguments args = evaluate_arguments(e, batch);
  const size_t rows = args.rows;
  FixedBuilder<uint8_t> out(DataType{TypeId::Boolean, 0}, rows);
  if (constant_items_fast_path(args, e.negated, out)) return out.finish(args.broadcast);
  std::vector<uint8_t> found(rows, 0), list_has_null(rows, 0), equal;
  for (size_t a = 1; a < args.size(); a++) {
    equal_rows(args[0], args[a], rows, equal, e.id);
    for (size_t i = 0; i < rows; i++) {
      if (args[a].is_null(i)) {
        list_has_null[i] = 1;
      } else {
        found[i] |= equal[i];
      }
    }
  }
  for (size_t i = 0; i < rows; i++) {
    if (args[0].is_null(i)) {
      out.set_null(i);
    } else {
      set_result(out, i, found[i], list_has_null[i], e.negated);
    }
  }
  return out.finish(args.broadcast);
}

}  // namespace replaydb
