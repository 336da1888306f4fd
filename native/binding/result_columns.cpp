// Result columns → external ArrayBuffers; text columns → JS strings in bulk.
#include "binding/result_columns.hpp"

#include <cstring>

namespace replaydb {
namespace {

/** Below this size a buffer is copied into memory V8 owns; see external_buffer(). */
constexpr size_t kCopiedBufferBytes = 4096;

/**
 * `vector` as an ArrayBuffer: large ones are views over the native memory itself (no
 * copy); small ones are copied into an ArrayBuffer V8 allocates, because tracking native
 * memory costs more than copying a few KiB (each external buffer carries a finalizer that
 * Node runs later on this thread, and freeing many small blocks in GC bursts left glibc's
 * heap growing across millions of short queries).
 */
template <typename T>
Napi::ArrayBuffer external_buffer(Napi::Env env, std::vector<T>&& vector) {
  if (vector.empty()) return Napi::ArrayBuffer::New(env, 0);
  const size_t bytes = vector.size() * sizeof(T);
  if (bytes <= kCopiedBufferBytes) {
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(copy.Data(), vector.data(), bytes);
    return copy;
  }
  auto* owned = new std::vector<T>(std::move(vector));
  return Napi::ArrayBuffer::New(env, owned->data(), owned->size() * sizeof(T),
                                [](Napi::Env, void*, std::vector<T>* hint) { delete hint; }, owned);
}

}  // namespace

Napi::Object result_to_js(Napi::Env env, StatementResult& result) {
  Napi::Object out = Napi::Object::New(env);
  if (!result.has_rows) {
    out.Set("rowCount", Napi::Number::New(env, double(result.affected)));
    return out;
  }
  out.Set("rowCount", Napi::Number::New(env, double(result.chunk.rows)));
  // Each column as [type id, dimension, length, data, offsets?, validity?] (src/native.ts):
  // elements by index cost less than named properties, which a short query's time notices.
  Napi::Array columns = Napi::Array::New(env, result.chunk.columns.size());
  const Napi::Value none = env.Undefined();
  for (size_t c = 0; c < result.chunk.columns.size(); c++) {
    Column& column = result.chunk.columns[c];
    Napi::Array entry = Napi::Array::New(env, 6);
    entry.Set(uint32_t(0), Napi::Number::New(env, double(column.type().id)));
    entry.Set(uint32_t(1), Napi::Number::New(env, column.type().dimension));
    entry.Set(uint32_t(2), Napi::Number::New(env, double(column.size())));
    const bool variable = column.type().is_variable_width();
    entry.Set(uint32_t(4), variable ? Napi::Value(external_buffer(env, std::move(column.offsets()))) : none);
    entry.Set(uint32_t(5), column.has_nulls() ? Napi::Value(external_buffer(env, std::move(column.validity()))) : none);
    entry.Set(uint32_t(3), external_buffer(env, std::move(column.data())));
    columns.Set(uint32_t(c), entry);
  }
  out.Set("columns", columns);
  return out;
}

Napi::Value decode_text_column(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint32Array offsets = info[0].As<Napi::Uint32Array>();
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  const uint8_t* validity = nullptr;
  if (info.Length() > 2 && info[2].IsTypedArray()) validity = info[2].As<Napi::Uint8Array>().Data();
  const size_t rows = offsets.ElementLength() == 0 ? 0 : offsets.ElementLength() - 1;
  const uint32_t* offset = offsets.Data();
  const char* bytes = reinterpret_cast<const char*>(data.Data());
  const size_t byte_length = data.ByteLength();
  Napi::Array out = Napi::Array::New(env, rows);
  napi_value null_value = env.Null();
  for (size_t row = 0; row < rows; row++) {
    if (validity && !validity[row]) {
      napi_set_element(env, out, uint32_t(row), null_value);
      continue;
    }
    if (offset[row + 1] < offset[row] || offset[row + 1] > byte_length) {
      throw Napi::RangeError::New(env, "text column offsets out of range");
    }
    napi_value text;
    const char* start = bytes + offset[row];
    const size_t length = offset[row + 1] - offset[row];
    // ASCII (ids, names, most logged text) is a one-byte string as it is: no UTF-8 decoding.
    bool ascii = true;
    for (size_t i = 0; i < length && ascii; i++) ascii = (static_cast<unsigned char>(start[i]) & 0x80) == 0;
    if (ascii) napi_create_string_latin1(env, start, length, &text);
    else napi_create_string_utf8(env, start, length, &text);
    napi_set_element(env, out, uint32_t(row), text);
  }
  return out;
}

Napi::Error engine_error_to_js(Napi::Env env, const std::string& code, const std::string& message, int parameter, int expression) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("name", "EngineError");
  error.Set("code", code);
  if (parameter >= 0) error.Set("parameter", Napi::Number::New(env, parameter));
  if (expression >= 0) error.Set("expression", Napi::Number::New(env, expression));
  return error;
}

}  // namespace replaydb
