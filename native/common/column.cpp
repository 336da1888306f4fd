// Appending, slicing and gathering of in-memory columns.
#include "common/column.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace replaydb {
namespace {

/** reserve() that keeps geometric growth: an exact reserve per append would copy O(n²) bytes. */
template <typename T>
void reserve_more(std::vector<T>& vector, size_t extra) {
  const size_t needed = vector.size() + extra;
  if (needed > vector.capacity()) vector.reserve(std::max(needed, vector.capacity() * 2));
}

}  // namespace

ColumnView ColumnView::slice(size_t start, size_t count) const {
  ColumnView out = *this;
  out.size = count;
  if (type.is_variable_width()) {
    out.offsets = offsets + start;
  } else {
    out.data = data + start * type.width();
  }
  if (validity) out.validity = validity + start;
  return out;
}

size_t Column::null_count() const {
  if (validity_.empty()) return 0;
  size_t present = 0;
  for (uint8_t v : validity_) present += v;
  return size_ - present;
}

ColumnView Column::view() const {
  ColumnView v;
  v.type = type_;
  v.size = size_;
  v.data = data_.data();
  v.offsets = type_.is_variable_width() ? offsets_.data() : nullptr;
  v.validity = validity_.empty() ? nullptr : validity_.data();
  return v;
}

void Column::reserve(size_t rows, size_t variable_bytes) {
  if (type_.is_variable_width()) {
    reserve_more(offsets_, rows);
    reserve_more(data_, variable_bytes);
  } else {
    reserve_more(data_, rows * type_.width());
  }
}

void Column::check_variable_capacity(size_t more_bytes) const {
  // Offsets are u32 (as in Arrow's Utf8 and the GPU layout); a column past 4 GiB must be split.
  if (data_.size() + more_bytes > UINT32_MAX) {
    throw EngineError("program_limit_exceeded",
                      "a " + type_.name() + " column exceeds 4 GiB in one result; add a LIMIT or use the dataloader");
  }
}

void Column::mark_present() {
  if (!validity_.empty()) validity_.push_back(1);
}

void Column::append_null() {
  if (validity_.empty()) validity_.assign(size_, 1);
  validity_.push_back(0);
  if (type_.is_variable_width()) {
    offsets_.push_back(offsets_.back());
  } else {
    data_.resize(data_.size() + type_.width(), 0);
  }
  size_++;
}

void Column::append_fixed(const void* value) {
  const size_t width = type_.width();
  const auto* bytes = static_cast<const uint8_t*>(value);
  data_.insert(data_.end(), bytes, bytes + width);
  mark_present();
  size_++;
}

void Column::append_bytes(std::string_view bytes) {
  check_variable_capacity(bytes.size());
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  offsets_.push_back(uint32_t(data_.size()));
  mark_present();
  size_++;
}

void Column::append_range(const ColumnView& source, size_t start, size_t count) {
  if (count == 0) return;
  if (source.validity) {
    if (validity_.empty()) validity_.assign(size_, 1);
    validity_.insert(validity_.end(), source.validity + start, source.validity + start + count);
  } else if (!validity_.empty()) {
    validity_.insert(validity_.end(), count, 1);
  }
  if (type_.is_variable_width()) {
    const uint32_t first = source.offsets[start];
    const uint32_t last = source.offsets[start + count];
    check_variable_capacity(last - first);
    const uint32_t base = uint32_t(data_.size());
    data_.insert(data_.end(), source.data + first, source.data + last);
    reserve_more(offsets_, count);
    for (size_t i = 1; i <= count; i++) offsets_.push_back(base + (source.offsets[start + i] - first));
  } else {
    const size_t width = type_.width();
    data_.insert(data_.end(), source.data + start * width, source.data + (start + count) * width);
  }
  size_ += count;
}

void Column::append_selected(const ColumnView& source, const uint32_t* rows, size_t count) {
  if (count == 0) return;
  if (source.validity) {
    if (validity_.empty()) validity_.assign(size_, 1);
    const size_t base = validity_.size();
    validity_.resize(base + count);
    for (size_t i = 0; i < count; i++) validity_[base + i] = source.validity[rows[i]];
  } else if (!validity_.empty()) {
    validity_.insert(validity_.end(), count, 1);
  }
  if (type_.is_variable_width()) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += source.offsets[rows[i] + 1] - source.offsets[rows[i]];
    check_variable_capacity(total);
    size_t position = data_.size();
    data_.resize(position + total);
    reserve_more(offsets_, count);
    for (size_t i = 0; i < count; i++) {
      const uint32_t begin = source.offsets[rows[i]];
      const uint32_t length = source.offsets[rows[i] + 1] - begin;
      if (length) std::memcpy(data_.data() + position, source.data + begin, length);
      position += length;
      offsets_.push_back(uint32_t(position));
    }
  } else {
    const size_t width = type_.width();
    size_t position = data_.size();
    data_.resize(position + count * width);
    uint8_t* out = data_.data() + position;
    switch (width) {
      case 1:
        for (size_t i = 0; i < count; i++) out[i] = source.data[rows[i]];
        break;
      case 4:
        for (size_t i = 0; i < count; i++) std::memcpy(out + i * 4, source.data + size_t(rows[i]) * 4, 4);
        break;
      case 8:
        for (size_t i = 0; i < count; i++) std::memcpy(out + i * 8, source.data + size_t(rows[i]) * 8, 8);
        break;
      default:
        for (size_t i = 0; i < count; i++) std::memcpy(out + i * width, source.data + size_t(rows[i]) * width, width);
    }
  }
  size_ += count;
}

void Column::truncate(size_t rows) {
  if (rows >= size_) return;
  if (type_.is_variable_width()) {
    data_.resize(offsets_[rows]);
    offsets_.resize(rows + 1);
  } else {
    data_.resize(rows * type_.width());
  }
  if (!validity_.empty()) validity_.resize(rows);
  size_ = rows;
}

}  // namespace replaydb
