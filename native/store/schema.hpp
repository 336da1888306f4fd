// Table schemas: what CREATE TABLE declared, as the manifest and tail log record it.
// Column order is the physical order in segments and tail records.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/value.hpp"

namespace replaydb {

enum class DefaultKind : uint8_t { None = 0, Constant = 1, Now = 2 };

struct ColumnSchema {
  std::string name;
  DataType type;
  bool not_null = false;
  DefaultKind default_kind = DefaultKind::None;
  Value default_value;  // DefaultKind::Constant only; already of `type`
};

struct TableSchema {
  uint32_t id = 0;  // unique within a database, never reused
  std::string name;
  std::vector<ColumnSchema> columns;
  std::vector<uint32_t> primary_key;  // column indexes; empty when none

  int column_index(const std::string& column_name) const;
};

void write_value(ByteWriter& out, const Value& value);
Value read_value(ByteReader& in);
void write_schema(ByteWriter& out, const TableSchema& schema);
/** write_schema's bytes alone: two schemas are the same table definition when these are equal. */
std::string schema_bytes(const TableSchema& schema);
TableSchema read_schema(ByteReader& in);

}  // namespace replaydb
