// Hands result columns to JavaScript without copying: each buffer becomes an external
// ArrayBuffer that owns the native vector and frees it when JS lets go of it.
#pragma once
#include <napi.h>

#include "exec/statement.hpp"

namespace replaydb {

/** { rowCount, columns: [{ type, dimension, length, data, offsets?, validity? }] } */
Napi::Object result_to_js(Napi::Env env, StatementResult& result);

/** Decodes a text column (u32 offsets + UTF-8 bytes, optional validity bytes) to JS strings in one call. */
Napi::Value decode_text_column(const Napi::CallbackInfo& info);

/** Converts an EngineError into a JS Error carrying code, parameter and expression. */
Napi::Error engine_error_to_js(Napi::Env env, const std::string& code, const std::string& message, int parameter, int expression);

}  // namespace replaydb
