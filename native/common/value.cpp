// Moving single values in and out of columns.
#include "common/value.hpp"

#include "common/error.hpp"

namespace replaydb {

void append_value(Column& column, const Value& value) {
  if (value.is_null()) {
    column.append_null();
    return;
  }
  switch (column.type().id) {
    case TypeId::Int: column.append<int32_t>(int32_t(value.integer)); break;
    case TypeId::BigInt:
    case TypeId::Timestamp: column.append<int64_t>(value.integer); break;
    case TypeId::Real: column.append<float>(float(value.real)); break;
    case TypeId::Double: column.append<double>(value.real); break;
    case TypeId::Boolean: column.append<uint8_t>(value.integer ? 1 : 0); break;
    case TypeId::Text:
    case TypeId::Jsonb: column.append_bytes(value.bytes); break;
    case TypeId::Vector:
      if (value.vector.size() != column.type().dimension) {
        throw EngineError("datatype_mismatch", "expected " + std::to_string(column.type().dimension) +
                                                   " dimensions, not " + std::to_string(value.vector.size()));
      }
      column.append_fixed(value.vector.data());
      break;
    case TypeId::Null: throw EngineError("internal_error", "column of unknown type");
  }
}

Value value_at(const ColumnView& view, size_t row) {
  Value out;
  if (view.is_null(row)) return out;
  out.type = view.type;
  switch (view.type.id) {
    case TypeId::Int: out.integer = view.value<int32_t>(row); break;
    case TypeId::BigInt:
    case TypeId::Timestamp: out.integer = view.value<int64_t>(row); break;
    case TypeId::Real: out.real = view.value<float>(row); break;
    case TypeId::Double: out.real = view.value<double>(row); break;
    case TypeId::Boolean: out.integer = view.data[row]; break;
    case TypeId::Text:
    case TypeId::Jsonb: out.bytes = std::string(view.bytes(row)); break;
    case TypeId::Vector: {
      out.vector.resize(view.type.dimension);
      std::memcpy(out.vector.data(), view.fixed(row), view.type.width());
      break;
    }
    case TypeId::Null: break;
  }
  return out;
}

}  // namespace replaydb
