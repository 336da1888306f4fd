// Columns of values in memory. `Column` owns its buffers and grows by appending; it is how
// the tail of a table, intermediate results and final results are held. `ColumnView` is a
// read-only window over the same layout wherever it lives (a Column, or an mmap'd segment),
// and is what scans and expression programs read.
//
// Layout (the same as in segment files): fixed-width values packed in `data`;
// variable-width values as `offsets[size + 1]` (u32, offsets[0] == 0 for a Column) into
// `data`; `validity` is one byte per row (1 = present) or empty/null when no row is NULL.
// A NULL row still occupies its slot (zeroed fixed-width bytes; an empty variable-width value).
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/types.hpp"

namespace replaydb {

struct ColumnView {
  DataType type;
  size_t size = 0;
  const uint8_t* data = nullptr;
  const uint32_t* offsets = nullptr;  // variable-width only: size + 1 entries
  const uint8_t* validity = nullptr;  // null when every row is present

  bool is_null(size_t row) const { return validity != nullptr && validity[row] == 0; }
  std::string_view bytes(size_t row) const {
    return std::string_view(reinterpret_cast<const char*>(data) + offsets[row], offsets[row + 1] - offsets[row]);
  }
  template <typename T>
  T value(size_t row) const {
    T out;
    std::memcpy(&out, data + row * sizeof(T), sizeof(T));
    return out;
  }
  const uint8_t* fixed(size_t row) const { return data + row * type.width(); }
  /** Rows [start, start + count) of this view; offsets stay absolute into `data`. */
  ColumnView slice(size_t start, size_t count) const;
};

class Column {
 public:
  Column() = default;
  explicit Column(DataType type) : type_(type) {
    if (type.is_variable_width()) offsets_.push_back(0);
  }

  const DataType& type() const { return type_; }
  size_t size() const { return size_; }
  bool has_nulls() const { return !validity_.empty(); }
  size_t null_count() const;

  ColumnView view() const;

  void reserve(size_t rows, size_t variable_bytes = 0);
  void append_null();
  void append_fixed(const void* value);  // width() bytes
  void append_bytes(std::string_view bytes);
  template <typename T>
  void append(T value) {
    append_fixed(&value);
  }
  /** Appends rows [start, start + count) of `source` (same type). */
  void append_range(const ColumnView& source, size_t start, size_t count);
  /** Appends the rows of `source` listed in `rows`, in that order. */
  void append_selected(const ColumnView& source, const uint32_t* rows, size_t count);
  void append_column(const Column& other) { append_range(other.view(), 0, other.size()); }
  /** Drops every row from `rows` on (used to undo a failed append). */
  void truncate(size_t rows);
  /** Removes every row but keeps the allocated capacity. */
  void clear() { truncate(0); validity_.clear(); }

  std::vector<uint8_t>& data() { return data_; }
  std::vector<uint32_t>& offsets() { return offsets_; }
  std::vector<uint8_t>& validity() { return validity_; }
  const std::vector<uint8_t>& data() const { return data_; }
  const std::vector<uint32_t>& offsets() const { return offsets_; }
  const std::vector<uint8_t>& validity() const { return validity_; }
  /** Sets size after a caller filled data/offsets/validity directly. */
  void set_size(size_t size) { size_ = size; }
  size_t memory_bytes() const { return data_.size() + offsets_.size() * 4 + validity_.size(); }

 private:
  void mark_present();
  void check_variable_capacity(size_t more_bytes) const;

  DataType type_;
  size_t size_ = 0;
  std::vector<uint8_t> data_;
  std::vector<uint32_t> offsets_;
  std::vector<uint8_t> validity_;
};

}  // namespace replaydb
