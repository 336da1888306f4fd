// Fixed per-stream layouts of row and token batches (see batch_layout.hpp).
#include "loader/batch_layout.hpp"

#include <algorithm>
#include <functional>

namespace replaydb::loader {

size_t text_capacity_bound(const ColumnView& column, size_t batch_rows) {
  if (column.size == 0 || batch_rows == 0) return 0;
  std::vector<uint32_t> lengths(column.size);
  for (size_t row = 0; row < column.size; row++) lengths[row] = column.offsets[row + 1] - column.offsets[row];
  const size_t take = std::min(batch_rows, lengths.size());
  std::nth_element(lengths.begin(), lengths.begin() + (take - 1), lengths.end(), std::greater<uint32_t>());
  size_t total = 0;
  for (size_t i = 0; i < take; i++) total += lengths[i];
  return total;
}

namespace {

void place(BatchLayout& layout, Region region) {
  region.offset = layout.total_bytes;
  region.capacity = align_up(region.capacity, 4);
  layout.total_bytes = align_up(region.offset + region.capacity, layout.alignment);
  layout.regions.push_back(region);
}

}  // namespace

BatchLayout row_batch_layout(const std::vector<ColumnView>& columns, BatchTarget target, size_t batch_rows) {
  const bool gpu = target == BatchTarget::Gpu;
  BatchLayout layout;
  layout.target = target;
  layout.batch_rows = batch_rows;
  layout.alignment = gpu ? 256 : 64;
  for (uint32_t c = 0; c < columns.size(); c++) {
    const ColumnView& column = columns[c];
    Region values;
    values.column = c;
    switch (column.type.id) {
      case TypeId::Text:
      case TypeId::Jsonb:
        values.encoding = Encoding::Text;
        values.text_bytes_offset = align_up(4 * (batch_rows + 1), gpu ? 256 : 8);
        values.capacity = values.text_bytes_offset + text_capacity_bound(column, batch_rows);
        break;
      case TypeId::Double:
        values.encoding = gpu ? Encoding::DoubleToF32 : Encoding::Copy;
        values.row_bytes = gpu ? 4 : 8;
        break;
      case TypeId::Boolean:
        values.encoding = gpu ? Encoding::BoolToU32 : Encoding::Copy;
        values.row_bytes = gpu ? 4 : 1;
        break;
      case TypeId::Null:
        values.encoding = Encoding::Zero;
        values.row_bytes = gpu ? 4 : 1;
        break;
      default:
        values.encoding = Encoding::Copy;
        values.row_bytes = column.type.width();
        break;
    }
    if (values.encoding != Encoding::Text) values.capacity = values.row_bytes * batch_rows;
    place(layout, values);
    if (column.validity != nullptr) {
      Region validity;
      validity.column = c;
      validity.kind = RegionKind::Validity;
      validity.encoding = gpu ? Encoding::ValidityU32 : Encoding::ValidityU8;
      validity.row_bytes = gpu ? 4 : 1;
      validity.capacity = validity.row_bytes * batch_rows;
      place(layout, validity);
    }
  }
  return layout;
}

BatchLayout token_batch_layout(BatchTarget target, size_t batch_rows, size_t seq_len) {
  BatchLayout layout;
  layout.target = target;
  layout.batch_rows = batch_rows;
  layout.alignment = target == BatchTarget::Gpu ? 256 : 64;
  for (uint32_t c = 0; c < 4; c++) {
    Region region;
    region.column = c;
    region.encoding = Encoding::Tokens;
    region.row_bytes = 4 * seq_len;
    region.capacity = region.row_bytes * batch_rows;
    place(layout, region);
  }
  return layout;
}

}  // namespace replaydb::loader
