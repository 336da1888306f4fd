// Probing the precomputed key set of an IN / EXISTS sub-plan.
#include "expr/datum_util.hpp"
#include "expr/subquery_keys.hpp"

namespace replaydb {

void append_key(std::string& key, const Datum& datum, size_t i) {
  const ColumnView& view = datum.view;
  const size_t row = datum.row(i);
  if (view.type.is_variable_width()) {
    std::string_view bytes = view.bytes(row);
    const uint32_t length = uint32_t(bytes.size());
    key.append(reinterpret_cast<const char*>(&length), 4);
    key.append(bytes);
    return;
  }
  // Numbers are keyed by value, so an INT probe finds a BIGINT or DOUBLE key of equal value.
  if (view.type.is_numeric()) {
    const double value = numeric_as_double(view, row);
    key.append(reinterpret_cast<const char*>(&value), 8);
    return;
  }
  key.append(reinterpret_cast<const char*>(view.fixed(row)), view.type.width());
}

SubqueryKeys::SubqueryKeys(SubqueryKeySet set) : set_(std::move(set)) {
  std::call_once(built_, [] {});
}

const SubqueryKeySet& SubqueryKeys::set() const {
  std::call_once(built_, [this] { set_ = build_(); });
  return set_;
}

SubqueryKeySet build_subquery_key_set(const std::vector<Column>& columns, size_t rows) {
  SubqueryKeySet set;
  SubqueryKeySet* keys = &set;
  std::vector<Datum> views(columns.size());
  for (size_t c = 0; c < columns.size(); c++) views[c].view = columns[c].view();
  std::string key;
  for (size_t row = 0; row < rows; row++) {
    key.clear();
    bool has_null = false;
    for (const Datum& column : views) {
      if (column.is_null(row)) {
        has_null = true;
        break;
      }
      append_key(key, column, row);
    }
    if (has_null) {
      keys->has_null = true;
    } else {
      keys->keys.insert(key);
    }
  }
  keys->rows = rows;
  return set;
}

Datum evaluate_in_subquery(const Expression& e, const Batch& batch) {
  if (!e.subquery_keys) throw EngineError("internal_error", "subquery was not evaluated before its expression");
  const SubqueryKeySet& set = e.subquery_keys->set();
  std::vector<Datum> probes;
  for (const auto& arg : e.args) probes.push_back(evaluate(*arg, batch));
  auto out = std::make_shared<Column>(DataType{TypeId::Boolean, 0});
  out->data().resize(batch.size);
  std::vector<uint8_t>& validity = out->validity();
  const bool in_semantics = e.args.size() == 1 && e.name != "exists";
  std::string key;
  for (size_t i = 0; i < batch.size; i++) {
    bool null_probe = false;
    key.clear();
    for (const Datum& probe : probes) {
      if (probe.is_null(i)) {
        null_probe = true;
        break;
      }
      append_key(key, probe, i);
    }
    const bool found = e.args.empty() ? set.rows > 0 : !null_probe && set.keys.count(key) > 0;
    const bool set_empty = set.keys.empty() && !set.has_null;
    const bool unknown = in_semantics && !found && !set_empty && (null_probe || set.has_null);
    if (unknown) {
      if (validity.empty()) validity.assign(batch.size, 1);
      validity[i] = 0;
    }
    out->data()[i] = uint8_t(found != e.negated);
  }
  out->set_size(batch.size);
  return datum_of(std::move(out));
}

}  // namespace replaydb
