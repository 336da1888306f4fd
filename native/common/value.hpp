// A single typed SQL value: bound parameters, constants in plans, column defaults.
// Values are for the few scalars a statement carries; bulk data lives in Columns.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/column.hpp"
#include "common/types.hpp"

namespace replaydb {

struct Value {
  DataType type;             // type.id == TypeId::Null means SQL NULL
  int64_t integer = 0;       // Int, BigInt, Timestamp (µs since epoch, UTC), Boolean (0/1)
  double real = 0;           // Real, Double
  std::string bytes;         // Text (UTF-8), Jsonb (binary encoding)
  std::vector<float> vector; // Vector

  bool is_null() const { return type.id == TypeId::Null; }
  static Value null() { return Value{}; }
  static Value of_integer(TypeId id, int64_t v) {
    Value out;
    out.type.id = id;
    out.integer = v;
    return out;
  }
  static Value of_real(TypeId id, double v) {
    Value out;
    out.type.id = id;
    out.real = v;
    return out;
  }
  static Value of_bytes(TypeId id, std::string v) {
    Value out;
    out.type.id = id;
    out.bytes = std::move(v);
    return out;
  }
};

/** Appends `value` (already of `column`'s type, or NULL) to `column`. */
void append_value(Column& column, const Value& value);

/** Reads row `row` of `view` as a Value. */
Value value_at(const ColumnView& view, size_t row);

}  // namespace replaydb
