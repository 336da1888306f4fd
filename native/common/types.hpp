// Column types of replaydb and their physical widths. A type is an id plus, for VECTOR(n),
// a dimension. Fixed-width values are stored packed; TEXT and JSONB are variable-width
// (u32 offsets + bytes). These ids are written into segment files and tail logs, so their
// numeric values are part of the on-disk format (FORMAT.md) and never change.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace replaydb {

enum class TypeId : uint8_t {
  Null = 0,  // the type of an untyped NULL literal; never a column type
  Int = 1,
  BigInt = 2,
  Real = 3,
  Double = 4,
  Boolean = 5,
  Text = 6,
  Jsonb = 7,
  Vector = 8,
  Timestamp = 9,
};

struct DataType {
  TypeId id = TypeId::Null;
  uint32_t dimension = 0;  // VECTOR(n) only

  bool is_variable_width() const { return id == TypeId::Text || id == TypeId::Jsonb; }
  bool is_numeric() const {
    return id == TypeId::Int || id == TypeId::BigInt || id == TypeId::Real || id == TypeId::Double;
  }
  bool is_integer() const { return id == TypeId::Int || id == TypeId::BigInt; }
  /** Bytes per value for fixed-width types; 0 for variable-width ones and Null. */
  size_t width() const {
    switch (id) {
      case TypeId::Int: return 4;
      case TypeId::BigInt: return 8;
      case TypeId::Real: return 4;
      case TypeId::Double: return 8;
      case TypeId::Boolean: return 1;
      case TypeId::Timestamp: return 8;
      case TypeId::Vector: return size_t(dimension) * 4;
      default: return 0;
    }
  }
  bool operator==(const DataType& other) const { return id == other.id && dimension == other.dimension; }
  bool operator!=(const DataType& other) const { return !(*this == other); }
  std::string name() const;
};

/** Parses the names used in plan messages ("int", "vector", …); throws on unknown names. */
TypeId type_id_from_name(const std::string& name);

}  // namespace replaydb
