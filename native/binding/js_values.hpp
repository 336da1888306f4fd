// Converting JavaScript values (parameters and SQL constants) into column values of a
// declared type. Conversions are strict for parameters (a string is not an INT) and follow
// Postgres' input functions for text written in the SQL ('42', '2024-01-01', '{"a":1}').
#pragma once
#include <napi.h>

#include "common/column.hpp"
#include "common/value.hpp"

namespace replaydb {

struct ConversionSite {
  int parameter = -1;   // parameter slot, for errors
  int expression = -1;  // plan expression id, for errors
  bool sql_text = false; // the value is a string literal written in SQL: parse it as the type's text form
  bool literal = false;  // the value was written in the SQL (not a parameter): assignment casts apply
};

/** Appends `value` converted to `column`'s type; throws EngineError(datatype_mismatch, …). */
void append_js_value(Column& column, napi_env env, napi_value value, const ConversionSite& site);

/** Converts one value to `type`. */
Value js_to_value(napi_env env, napi_value value, DataType type, const ConversionSite& site);

}  // namespace replaydb
