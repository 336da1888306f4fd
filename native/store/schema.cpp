// Binary encoding of schemas and single values inside manifests and tail-log records.
#include "store/schema.hpp"

namespace replaydb {

int TableSchema::column_index(const std::string& column_name) const {
  for (size_t i = 0; i < columns.size(); i++) {
    if (columns[i].name == column_name) return int(i);
  }
  return -1;
}

void write_value(ByteWriter& out, const Value& value) {
  out.put<uint8_t>(uint8_t(value.type.id));
  out.put<uint32_t>(value.type.dimension);
  switch (value.type.id) {
    case TypeId::Null: break;
    case TypeId::Int:
    case TypeId::BigInt:
    case TypeId::Timestamp:
    case TypeId::Boolean: out.put<int64_t>(value.integer); break;
    case TypeId::Real:
    case TypeId::Double: out.put<double>(value.real); break;
    case TypeId::Text:
    case TypeId::Jsonb: out.put_string(value.bytes); break;
    case TypeId::Vector:
      out.put<uint32_t>(uint32_t(value.vector.size()));
      out.put_bytes(value.vector.data(), value.vector.size() * 4);
      break;
  }
}

Value read_value(ByteReader& in) {
  Value value;
  const uint8_t id = in.get<uint8_t>();
  if (id > uint8_t(TypeId::Timestamp)) throw corrupt_file(in.file(), "unknown type id " + std::to_string(id));
  value.type.id = TypeId(id);
  value.type.dimension = in.get<uint32_t>();
  switch (value.type.id) {
    case TypeId::Null: break;
    case TypeId::Int:
    case TypeId::BigInt:
    case TypeId::Timestamp:
    case TypeId::Boolean: value.integer = in.get<int64_t>(); break;
    case TypeId::Real:
    case TypeId::Double: value.real = in.get<double>(); break;
    case TypeId::Text:
    case TypeId::Jsonb: value.bytes = in.get_string(); break;
    case TypeId::Vector: {
      const uint32_t n = in.get<uint32_t>();
      std::string_view raw = in.get_bytes(size_t(n) * 4);
      value.vector.resize(n);
      std::memcpy(value.vector.data(), raw.data(), raw.size());
      break;
    }
  }
  return value;
}

std::string schema_bytes(const TableSchema& schema) {
  std::string bytes;
  ByteWriter out(bytes);
  write_schema(out, schema);
  return bytes;
}

void write_schema(ByteWriter& out, const TableSchema& schema) {
  out.put<uint32_t>(schema.id);
  out.put_string(schema.name);
  out.put<uint32_t>(uint32_t(schema.columns.size()));
  for (const ColumnSchema& column : schema.columns) {
    out.put_string(column.name);
    out.put<uint8_t>(uint8_t(column.type.id));
    out.put<uint32_t>(column.type.dimension);
    out.put<uint8_t>(column.not_null ? 1 : 0);
    out.put<uint8_t>(uint8_t(column.default_kind));
    if (column.default_kind == DefaultKind::Constant) write_value(out, column.default_value);
  }
  out.put<uint32_t>(uint32_t(schema.primary_key.size()));
  for (uint32_t index : schema.primary_key) out.put<uint32_t>(index);
}

TableSchema read_schema(ByteReader& in) {
  TableSchema schema;
  schema.id = in.get<uint32_t>();
  schema.name = in.get_string();
  const uint32_t column_count = in.get<uint32_t>();
  if (column_count > 100000) throw corrupt_file(in.file(), "implausible column count");
  for (uint32_t i = 0; i < column_count; i++) {
    ColumnSchema column;
    column.name = in.get_string();
    const uint8_t id = in.get<uint8_t>();
    if (id == 0 || id > uint8_t(TypeId::Timestamp)) throw corrupt_file(in.file(), "unknown column type");
    column.type.id = TypeId(id);
    column.type.dimension = in.get<uint32_t>();
    column.not_null = in.get<uint8_t>() != 0;
    const uint8_t default_kind = in.get<uint8_t>();
    if (default_kind > 2) throw corrupt_file(in.file(), "unknown default kind");
    column.default_kind = DefaultKind(default_kind);
    if (column.default_kind == DefaultKind::Constant) column.default_value = read_value(in);
    schema.columns.push_back(std::move(column));
  }
  const uint32_t key_count = in.get<uint32_t>();
  for (uint32_t i = 0; i < key_count; i++) {
    const uint32_t index = in.get<uint32_t>();
    if (index >= column_count) throw corrupt_file(in.file(), "primary key column out of range");
    schema.primary_key.push_back(index);
  }
  return schema;
}

}  // namespace replaydb
