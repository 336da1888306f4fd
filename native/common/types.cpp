// Names of column types, as printed in errors and exchanged with the TypeScript planner.
#include "common/types.hpp"

#include "common/error.hpp"

namespace replaydb {

std::string DataType::name() const {
  switch (id) {
    case TypeId::Null: return "unknown";
    case TypeId::Int: return "integer";
    case TypeId::BigInt: return "bigint";
    case TypeId::Real: return "real";
    case TypeId::Double: return "double precision";
    case TypeId::Boolean: return "boolean";
    case TypeId::Text: return "text";
    case TypeId::Jsonb: return "jsonb";
    case TypeId::Vector: return "vector(" + std::to_string(dimension) + ")";
    case TypeId::Timestamp: return "timestamp";
  }
  return "unknown";
}

TypeId type_id_from_name(const std::string& name) {
  if (name == "null") return TypeId::Null;
  if (name == "int") return TypeId::Int;
  if (name == "bigint") return TypeId::BigInt;
  if (name == "real") return TypeId::Real;
  if (name == "double") return TypeId::Double;
  if (name == "boolean") return TypeId::Boolean;
  if (name == "text") return TypeId::Text;
  if (name == "jsonb") return TypeId::Jsonb;
  if (name == "vector") return TypeId::Vector;
  if (name == "timestamp") return TypeId::Timestamp;
  throw EngineError("internal_error", "unknown type name in plan: " + name);
}

}  // namespace replaydb
