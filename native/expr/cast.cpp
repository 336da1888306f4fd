// CAST between types: numeric widening/narrowing with range checks (floats round half away
// from zero into integers, as Postgres does).
#include <cmath>
#include <limits>

#include "expr/datum_util.hpp"
#include "expr/functions.hpp"

namespace replaydb {

Datum evaluate_cast(const Expression& e, const Batch& batch) {
  const Datum input = evaluate(*e.args[0], batch);
  if (input.view.type == e.type) return input;
  const TypeId from = input.view.type.id, to = e.type.id;
  const bool fixed_scalar_from = from == TypeId::Int || from == TypeId::BigInt || from == TypeId::Real ||
                                 from == TypeId::Double || from == TypeId::Boolean || from == TypeId::Timestamp;
  const bool fixed_scalar_to = to == TypeId::Int || to == TypeId::BigInt || to == TypeId::Real || to == TypeId::Double ||
                               to == TypeId::Timestamp;
  if (!fixed_scalar_from || !fixed_scalar_to) {
    throw EngineError("feature_not_supported", "cast from " + input.view.type.name() + " to " + e.type.name() + " is not supported yet", -1, e.id);
  }
  auto out = std::make_shared<Column>(e.type);
  out->data().resize(batch.size * e.type.width());
  with_physical(to, [&](auto result_type) {
    using T = decltype(result_type);
    with_physical(from, [&](auto source_type) {
      using S = decltype(source_type);
      T* result = reinterpret_cast<T*>(out->data().data());
      for (size_t i = 0; i < batch.size; i++) {
        const S v = load<S>(input.view.data, input.row(i));
        if constexpr (std::is_integral_v<T> && std::is_floating_point_v<S>) {
          // Postgres rounds half away from zero when casting floats to integers.
          const double rounded = std::nearbyint(double(v));
          if (input.is_null(i)) {
            result[i] = 0;
            continue;
          }
          if (!(rounded >= double(std::numeric_limits<T>::min()) && rounded <= double(std::numeric_limits<T>::max()))) {
            throw EngineError("numeric_value_out_of_range", e.type.name() + " out of range", -1, e.id);
          }
          result[i] = T(rounded);
        } else if constexpr (std::is_integral_v<T> && std::is_integral_v<S> && sizeof(T) < sizeof(S)) {
          if (!input.is_null(i) && (v < S(std::numeric_limits<T>::min()) || v > S(std::numeric_limits<T>::max()))) {
            throw EngineError("numeric_value_out_of_range", e.type.name() + " out of range", -1, e.id);
          }
          result[i] = T(v);
        } else {
          result[i] = T(v);
        }
      }
    });
  });
  if (input.view.validity) {
    out->validity().resize(batch.size);
    for (size_t i = 0; i < batch.size; i++) out->validity()[i] = !input.is_null(i);
  }
  out->set_size(batch.size);
  Datum datum;
  datum.view = out->view();
  datum.owned = std::move(out);
  return datum;
}

}  // namespace replaydb
