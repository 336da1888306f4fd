// Hash aggregation: GROUP BY keys are hashed by their bytes into group slots; each slot
// keeps one running state per aggregate call (count, sum, min/max, distinct set).
// Without GROUP BY there is exactly one group, even over zero rows (count(*) = 0).
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/error.hpp"
#include "common/value.hpp"
#include "exec/plan.hpp"

namespace replaydb {
namespace {

struct AggregateState {
  int64_t count = 0;
  int64_t integer_sum = 0;
  double real_sum = 0;
  bool has_value = false;
  Value extreme;  // min or max so far
  std::unique_ptr<std::unordered_set<std::string>> distinct;
};

void append_key_bytes(std::string& key, const Datum& datum, size_t i) {
  const size_t row = datum.row(i);
  if (datum.view.is_null(row)) {
    key.push_back('\0');
    return;
  }
  key.push_back('\1');
  if (datum.view.type.is_variable_width()) {
    std::string_view bytes = datum.view.bytes(row);
    const uint32_t length = uint32_t(bytes.size());
    key.append(reinterpret_cast<const char*>(&length), 4);
    key.append(bytes);
  } else {
    key.append(reinterpret_cast<const char*>(datum.view.fixed(row)), datum.view.type.width());
  }
}

int compare_values(const Value& a, const Value& b) {
  switch (a.type.id) {
    case TypeId::Int:
    case TypeId::BigInt:
    case TypeId::Timestamp:
    case TypeId::Boolean: return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
    case TypeId::Real:
    case TypeId::Double: return a.real < b.real ? -1 : (a.real > b.real ? 1 : 0);
    case TypeId::Text:
    case TypeId::Jsonb: return a.bytes.compare(b.bytes);
    default: throw EngineError("undefined_function", "min/max are not defined for " + a.type.name());
  }
}

double numeric_at(const ColumnView& view, size_t row) {
  switch (view.type.id) {
    case TypeId::Int: return view.value<int32_t>(row);
    case TypeId::BigInt: return double(view.value<int64_t>(row));
    case TypeId::Real: return view.value<float>(row);
    case TypeId::Double: return view.value<double>(row);
    default: throw EngineError("undefined_function", "sum/avg are not defined for " + view.type.name());
  }
}

void update(const AggregateCall& call, AggregateState& state, const Datum* argument, size_t i) {
  if (call.function == AggregateFunction::CountStar) {
    state.count++;
    return;
  }
  const size_t row = argument->row(i);
  if (argument->view.is_null(row)) return;
  if (call.distinct) {
    std::string key;
    append_key_bytes(key, *argument, i);
    if (!state.distinct) state.distinct = std::make_unique<std::unordered_set<std::string>>();
    if (!state.distinct->insert(std::move(key)).second) return;
  }
  state.count++;
  switch (call.function) {
    case AggregateFunction::Count:
    case AggregateFunction::CountStar: break;
    case AggregateFunction::Sum:
    case AggregateFunction::Average:
      if (call.function == AggregateFunction::Sum && call.type.id == TypeId::BigInt) {
        const int64_t v = argument->view.type.id == TypeId::Int ? argument->view.value<int32_t>(row) : argument->view.value<int64_t>(row);
        if (__builtin_add_overflow(state.integer_sum, v, &state.integer_sum)) {
          throw EngineError("numeric_value_out_of_range", "bigint out of range in sum()");
        }
      } else {
        state.real_sum += numeric_at(argument->view, row);
      }
      break;
    case AggregateFunction::Min:
    case AggregateFunction::Max: {
      Value v = value_at(argument->view, row);
      if (!state.has_value) {
        state.extreme = std::move(v);
        state.has_value = true;
      } else {
        const int c = compare_values(v, state.extreme);
        if ((call.function == AggregateFunction::Min && c < 0) || (call.function == AggregateFunction::Max && c > 0)) {
          state.extreme = std::move(v);
        }
      }
      break;
    }
  }
}

void finish(const AggregateCall& call, const AggregateState& state, Column& out) {
  switch (call.function) {
    case AggregateFunction::CountStar:
    case AggregateFunction::Count: out.append<int64_t>(state.count); break;
    case AggregateFunction::Sum:
      if (state.count == 0) {
        out.append_null();
      } else if (call.type.id == TypeId::BigInt) {
        out.append<int64_t>(state.integer_sum);
      } else {
        out.append<double>(state.real_sum);
      }
      break;
    case AggregateFunction::Average:
      if (state.count == 0) {
        out.append_null();
      } else {
        out.append<double>(state.real_sum / double(state.count));
      }
      break;
    case AggregateFunction::Min:
    case AggregateFunction::Max:
      if (!state.has_value) {
        out.append_null();
      } else {
        append_value(out, state.extreme);
      }
      break;
  }
}

}  // namespace

Chunk run_aggregate(const PlanNode& node, const ExecutionContext& context) {
  Chunk input = execute_plan(*node.input, context);
  const size_t aggregate_count = node.aggregates.size();
  std::unordered_map<std::string, uint32_t> group_of_key;
  std::vector<std::vector<AggregateState>> states;
  Chunk out;
  for (const auto& group : node.groups) out.columns.emplace_back(group->type);
  for (const AggregateCall& call : node.aggregates) out.columns.emplace_back(call.type);

  if (node.groups.empty()) states.emplace_back(aggregate_count);
  std::vector<uint32_t> group_rows(kBatchRows);
  for (size_t start = 0; start < input.rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, input.rows - start);
    const Batch batch = input.batch(start, count);
    if (!node.groups.empty()) {
      std::vector<Datum> keys;
      for (const auto& group : node.groups) keys.push_back(evaluate(*group, batch));
      std::string key;
      for (size_t i = 0; i < count; i++) {
        key.clear();
        for (const Datum& datum : keys) append_key_bytes(key, datum, i);
        auto [found, inserted] = group_of_key.emplace(key, uint32_t(states.size()));
        if (inserted) {
          states.emplace_back(aggregate_count);
          for (size_t g = 0; g < keys.size(); g++) {
            const size_t row = keys[g].row(i);
            const uint32_t one_row = uint32_t(row);
            out.columns[g].append_selected(keys[g].view, &one_row, 1);
          }
        }
        group_rows[i] = found->second;
      }
    } else {
      std::fill(group_rows.begin(), group_rows.begin() + count, 0);
    }
    for (size_t a = 0; a < aggregate_count; a++) {
      const AggregateCall& call = node.aggregates[a];
      Datum argument;
      if (call.argument) argument = evaluate(*call.argument, batch);
      for (size_t i = 0; i < count; i++) update(call, states[group_rows[i]][a], call.argument ? &argument : nullptr, i);
    }
  }
  for (const auto& group_states : states) {
    for (size_t a = 0; a < aggregate_count; a++) finish(node.aggregates[a], group_states[a], out.columns[node.groups.size() + a]);
  }
  out.rows = states.size();
  return out;
}

}  // namespace replaydb
