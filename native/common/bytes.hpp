// Little-endian binary encoding helpers for the on-disk formats (manifests, tail-log
// records, segment footers). ByteReader bounds-checks every read and reports overruns as
// corruption of the named file, so damaged bytes become an error, never a crash.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace replaydb {

// The formats are little-endian and written with memcpy: only little-endian hosts are supported.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "replaydb's file formats assume a little-endian host");

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  template <typename T>
  void put(T value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_bytes(const void* data, size_t length) {
    if (length) out_.append(static_cast<const char*>(data), length);
  }
  void put_string(std::string_view text) {
    put<uint32_t>(uint32_t(text.size()));
    out_.append(text.data(), text.size());
  }
  /** Pads with zero bytes to a multiple of `alignment`. */
  void align(size_t alignment) { out_.append((alignment - out_.size() % alignment) % alignment, '\0'); }
  size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  std::string_view get_bytes(size_t length) {
    need(length);
    std::string_view out = bytes_.substr(position_, length);
    position_ += length;
    return out;
  }
  std::string get_string() { return std::string(get_bytes(get<uint32_t>())); }
  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }
  bool at_end() const { return position_ == bytes_.size(); }
  const std::string& file() const { return file_; }

 private:
  void need(size_t length) const {
    if (length > bytes_.size() - position_) throw corrupt_file(file_, "unexpected end of data");
  }
  std::string_view bytes_;
  size_t position_ = 0;
  std::string file_;
};

}  // namespace replaydb
