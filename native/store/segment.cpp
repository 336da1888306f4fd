// Writing and reading segment files (layout in FORMAT.md).
#include "store/segment.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/bytes.hpp"
#include "common/crc32c.hpp"
#include "common/error.hpp"

namespace replaydb {
namespace {

constexpr char kSegmentMagic[8] = {'R', 'P', 'D', 'B', 'S', 'E', 'G', '1'};
constexpr char kSegmentEndMagic[8] = {'R', 'P', 'D', 'B', 'E', 'N', 'D', '1'};
constexpr size_t kHeaderSize = 64;
constexpr size_t kTrailerSize = 16;  // footer length, footer checksum, end magic
constexpr size_t kAlignment = 64;

BlockReference append_block(AtomicFileWriter& file, const void* data, size_t length) {
  file.align(kAlignment);
  BlockReference block;
  block.offset = file.position();
  block.length = length;
  block.checksum = crc32c(data, length);
  file.write(data, length);
  return block;
}

template <typename T>
ZoneMap zone_of(const ColumnView& view) {
  ZoneMap zone;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  for (size_t row = 0; row < view.size; row++) {
    if (view.is_null(row)) continue;
    const double v = double(view.value<T>(row));
    if (std::isnan(v)) return ZoneMap{};  // NaN sorts above everything; don't prune such columns
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    zone.valid = true;
  }
  zone.min = lo;
  zone.max = hi;
  return zone;
}

ZoneMap compute_zone(const ColumnView& view) {
  switch (view.type.id) {
    case TypeId::Int: return zone_of<int32_t>(view);
    case TypeId::BigInt:
    case TypeId::Timestamp: return zone_of<int64_t>(view);
    case TypeId::Real: return zone_of<float>(view);
    case TypeId::Double: return zone_of<double>(view);
    case TypeId::Boolean: return zone_of<uint8_t>(view);
    default: return ZoneMap{};
  }
}

void write_block_reference(ByteWriter& out, const BlockReference& block) {
  out.put<uint64_t>(block.offset);
  out.put<uint64_t>(block.length);
  out.put<uint32_t>(block.checksum);
}

BlockReference read_block_reference(ByteReader& in, size_t file_size) {
  BlockReference block;
  block.offset = in.get<uint64_t>();
  block.length = in.get<uint64_t>();
  block.checksum = in.get<uint32_t>();
  if (block.offset > file_size || block.length > file_size - block.offset) {
    throw corrupt_file(in.file(), "block lies outside the file");
  }
  return block;
}

}  // namespace

void write_segment(const std::string& path, const std::vector<const Column*>& columns, size_t row_count) {
  AtomicFileWriter file(path);
  std::string header;
  ByteWriter header_writer(header);
  header_writer.put_bytes(kSegmentMagic, 8);
  header_writer.put<uint32_t>(kSegmentFormatVersion);
  header_writer.put<uint32_t>(uint32_t(columns.size()));
  header_writer.put<uint64_t>(row_count);
  header.resize(kHeaderSize, '\0');
  file.write(header.data(), header.size());

  // Blocks go from the columns' own buffers to the file: no copy of the data in between.
  std::vector<SegmentColumnInfo> infos;
  for (const Column* column : columns) {
    SegmentColumnInfo info;
    info.type = column->type();
    info.null_count = column->null_count();
    if (info.null_count > 0) info.validity = append_block(file, column->validity().data(), column->validity().size());
    info.values = append_block(file, column->data().data(), column->data().size());
    if (column->type().is_variable_width()) {
      info.offsets = append_block(file, column->offsets().data(), column->offsets().size() * 4);
    }
    info.zone = compute_zone(column->view());
    infos.push_back(info);
  }

  std::string footer;
  ByteWriter out(footer);
  for (const SegmentColumnInfo& info : infos) {
    out.put<uint8_t>(uint8_t(info.type.id));
    out.put<uint32_t>(info.type.dimension);
    out.put<uint64_t>(info.null_count);
    write_block_reference(out, info.validity);
    write_block_reference(out, info.values);
    write_block_reference(out, info.offsets);
    out.put<uint8_t>(info.zone.valid ? 1 : 0);
    out.put<double>(info.zone.min);
    out.put<double>(info.zone.max);
  }
  file.align(kAlignment);
  std::string trailer;
  ByteWriter tail(trailer);
  tail.put_bytes(footer.data(), footer.size());
  tail.put<uint32_t>(uint32_t(footer.size()));
  tail.put<uint32_t>(crc32c(footer.data(), footer.size()));
  tail.put_bytes(kSegmentEndMagic, 8);
  file.write(trailer.data(), trailer.size());
  file.commit(true);
}

Segment::Segment(const std::string& path) : file_(path) {
  const size_t size = file_.size();
  if (size < kHeaderSize + kTrailerSize) throw corrupt_file(path, "segment is truncated");
  const uint8_t* base = file_.data();
  if (std::memcmp(base, kSegmentMagic, 8) != 0) throw corrupt_file(path, "not a replaydb segment (bad magic)");
  if (std::memcmp(base + size - 8, kSegmentEndMagic, 8) != 0) throw corrupt_file(path, "segment is truncated (no end marker)");
  ByteReader header(file_.bytes().substr(8, kHeaderSize - 8), path);
  const uint32_t version = header.get<uint32_t>();
  if (version != kSegmentFormatVersion) {
    throw StorageError("feature_not_supported", path, "segment format version " + std::to_string(version) + " is not supported");
  }
  const uint32_t column_count = header.get<uint32_t>();
  row_count_ = size_t(header.get<uint64_t>());

  ByteReader trailer(file_.bytes().substr(size - kTrailerSize, 8), path);
  const uint32_t footer_length = trailer.get<uint32_t>();
  const uint32_t footer_checksum = trailer.get<uint32_t>();
  if (footer_length > size - kHeaderSize - kTrailerSize) throw corrupt_file(path, "footer length out of range");
  const std::string_view footer = file_.bytes().substr(size - kTrailerSize - footer_length, footer_length);
  if (crc32c(footer.data(), footer.size()) != footer_checksum) throw corrupt_file(path, "footer checksum mismatch");

  ByteReader in(footer, path);
  for (uint32_t i = 0; i < column_count; i++) {
    SegmentColumnInfo info;
    const uint8_t id = in.get<uint8_t>();
    if (id == 0 || id > uint8_t(TypeId::Timestamp)) throw corrupt_file(path, "unknown column type");
    info.type.id = TypeId(id);
    info.type.dimension = in.get<uint32_t>();
    info.null_count = in.get<uint64_t>();
    info.validity = read_block_reference(in, size);
    info.values = read_block_reference(in, size);
    info.offsets = read_block_reference(in, size);
    info.zone.valid = in.get<uint8_t>() != 0;
    info.zone.min = in.get<double>();
    info.zone.max = in.get<double>();
    // Block lengths must agree with the row count, or a view would read past a block.
    const bool has_validity = info.null_count > 0;
    if (has_validity && info.validity.length != row_count_) throw corrupt_file(path, "validity block has the wrong length");
    if (info.type.is_variable_width()) {
      if (info.offsets.length != (row_count_ + 1) * 4) throw corrupt_file(path, "offsets block has the wrong length");
    } else if (info.values.length != row_count_ * info.type.width()) {
      throw corrupt_file(path, "values block has the wrong length");
    }
    columns_.push_back(info);
  }
  verified_.reset(new std::atomic<bool>[column_count]);
  for (uint32_t i = 0; i < column_count; i++) verified_[i].store(false);
}

void Segment::verify(size_t index) const {
  if (verified_[index].load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> guard(verify_mutex_);
  if (verified_[index].load(std::memory_order_relaxed)) return;
  const SegmentColumnInfo& info = columns_[index];
  const std::string where = " of column " + std::to_string(index);
  auto check = [&](const BlockReference& block, const char* what) {
    if (crc32c(file_.data() + block.offset, block.length) != block.checksum) {
      throw corrupt_file(path(), std::string(what) + " block" + where + " checksum mismatch");
    }
  };
  if (info.null_count > 0) check(info.validity, "validity");
  check(info.values, "values");
  if (info.type.is_variable_width()) {
    check(info.offsets, "offsets");
    // Offsets must be monotone and inside the values block, or reads would leave it.
    const auto* offsets = reinterpret_cast<const uint32_t*>(file_.data() + info.offsets.offset);
    if (offsets[0] != 0) throw corrupt_file(path(), "offsets" + where + " do not start at 0");
    for (size_t row = 0; row < row_count_; row++) {
      if (offsets[row + 1] < offsets[row]) throw corrupt_file(path(), "offsets" + where + " are not monotone");
    }
    if (offsets[row_count_] != info.values.length) throw corrupt_file(path(), "offsets" + where + " overrun the values");
  }
  verified_[index].store(true, std::memory_order_release);
}

ColumnView Segment::column(size_t index) const {
  verify(index);
  const SegmentColumnInfo& info = columns_[index];
  ColumnView view;
  view.type = info.type;
  view.size = row_count_;
  view.data = file_.data() + info.values.offset;
  if (info.type.is_variable_width()) view.offsets = reinterpret_cast<const uint32_t*>(file_.data() + info.offsets.offset);
  if (info.null_count > 0) view.validity = file_.data() + info.validity.offset;
  return view;
}

std::shared_ptr<const Segment::RowSet> Segment::cached_rows(const std::string& key) const {
  std::lock_guard<std::mutex> guard(cache_mutex_);
  for (auto entry = row_cache_.begin(); entry != row_cache_.end(); ++entry) {
    if (entry->first != key) continue;
    std::shared_ptr<const RowSet> rows = entry->second;
    std::rotate(entry, entry + 1, row_cache_.end());  // now the most recent
    return rows;
  }
  return nullptr;
}

void Segment::cache_rows(const std::string& key, std::shared_ptr<const RowSet> rows) const {
  constexpr size_t kCachedRowSets = 8;
  std::lock_guard<std::mutex> guard(cache_mutex_);
  for (auto entry = row_cache_.begin(); entry != row_cache_.end(); ++entry) {
    if (entry->first == key) {
      row_cache_.erase(entry);
      break;
    }
  }
  if (row_cache_.size() == kCachedRowSets) row_cache_.erase(row_cache_.begin());
  row_cache_.emplace_back(key, std::move(rows));
}

}  // namespace replaydb
