// Small helpers shared by the expression kernels: typed loads, dispatch on the physical
// type of a fixed-width column, and wrapping a computed column as a Datum.
#pragma once
#include <cstring>
#include <memory>

#include "common/error.hpp"
#include "expr/expression.hpp"

namespace replaydb {

/** Calls f with a value of the physical C++ type of a fixed-width numeric/boolean type. */
template <typename F>
void with_physical(TypeId id, F&& f) {
  switch (id) {
    case TypeId::Int: f(int32_t{}); break;
    case TypeId::BigInt:
    case TypeId::Timestamp: f(int64_t{}); break;
    case TypeId::Real: f(float{}); break;
    case TypeId::Double: f(double{}); break;
    case TypeId::Boolean: f(uint8_t{}); break;
    default: throw EngineError("internal_error", "not a fixed-width scalar type");
  }
}

template <typename T>
T load(const uint8_t* data, size_t row) {
  T value;
  std::memcpy(&value, data + row * sizeof(T), sizeof(T));
  return value;
}

inline Datum datum_of(std::shared_ptr<Column> column) {
  Datum datum;
  datum.view = column->view();
  datum.owned = std::move(column);
  return datum;
}

/** A numeric value of any fixed-width numeric type, as double. */
inline double numeric_as_double(const ColumnView& view, size_t row) {
  switch (view.type.id) {
    case TypeId::Int: return view.value<int32_t>(row);
    case TypeId::BigInt:
    case TypeId::Timestamp: return double(view.value<int64_t>(row));
    case TypeId::Real: return view.value<float>(row);
    case TypeId::Double: return view.value<double>(row);
    case TypeId::Boolean: return view.data[row];
    default: throw EngineError("internal_error", "not a numeric type");
  }
}

}  // namespace replaydb
