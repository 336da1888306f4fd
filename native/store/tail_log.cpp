// Framing, replay and record encoding of the tail log.
#include "store/tail_log.hpp"

#include <cstring>

#include "common/crc32c.hpp"
#include "common/error.hpp"

namespace replaydb {
namespace {
constexpr char kLogMagic[8] = {'R', 'P', 'D', 'B', 'L', 'O', 'G', '1'};
constexpr size_t kLogHeaderSize = 16;
}  // namespace

std::string tail_log_header() {
  std::string header;
  ByteWriter out(header);
  out.put_bytes(kLogMagic, 8);
  out.put<uint32_t>(kTailLogFormatVersion);
  out.put<uint32_t>(0);
  return header;
}

void finish_record(std::string& record) {
  const size_t payload = record.size() - kRecordHeaderBytes;
  if (payload > UINT32_MAX) {
    throw EngineError("program_limit_exceeded",
                      "statement is too large for one log record (" + std::to_string(payload >> 20) + " MiB); split it into several");
  }
  const uint32_t length = uint32_t(payload);
  const uint32_t checksum = crc32c(record.data() + kRecordHeaderBytes, length);
  const uint32_t length_checksum = crc32c(&length, 4);
  std::memcpy(record.data(), &length, 4);
  std::memcpy(record.data() + 4, &checksum, 4);
  std::memcpy(record.data() + 8, &length_checksum, 4);
}

namespace {

bool all_zero(const char* data, size_t length) {
  for (size_t i = 0; i < length; i++) {
    if (data[i] != 0) return false;
  }
  return true;
}

}  // namespace

ReplayedLog read_tail_log(const std::string& path) {
  const std::string bytes = read_file(path);
  ReplayedLog log;
  if (bytes.size() < kLogHeaderSize) {
    // A crash while creating the file can leave it shorter than its header: no records yet.
    if (std::memcmp(bytes.data(), kLogMagic, std::min<size_t>(bytes.size(), 8)) != 0) {
      throw corrupt_file(path, "not a replaydb tail log (bad magic)");
    }
    log.torn = !bytes.empty();
    return log;
  }
  if (std::memcmp(bytes.data(), kLogMagic, 8) != 0) throw corrupt_file(path, "not a replaydb tail log (bad magic)");
  ByteReader header(std::string_view(bytes).substr(8, 8), path);
  const uint32_t version = header.get<uint32_t>();
  if (version < 2 || version > kTailLogFormatVersion) {
    throw StorageError("feature_not_supported", path, "tail log format version " + std::to_string(version) + " is not supported");
  }
  size_t position = kLogHeaderSize;
  while (position < bytes.size()) {
    const size_t left = bytes.size() - position;
    const char* frame = bytes.data() + position;
    // A write cut short, or zeros a filesystem left after a power loss, can only be at the end.
    if (left < kRecordHeaderBytes || all_zero(frame, left)) {
      log.torn = true;
      break;
    }
    uint32_t length, checksum, length_checksum;
    std::memcpy(&length, frame, 4);
    std::memcpy(&checksum, frame + 4, 4);
    std::memcpy(&length_checksum, frame + 8, 4);
    // The length has its own checksum, so a damaged length is corruption, never mistaken for a torn end.
    if (crc32c(&length, 4) != length_checksum) {
      throw corrupt_file(path, "tail log record header at byte " + std::to_string(position) + " fails its checksum");
    }
    if (length > left - kRecordHeaderBytes) {
      log.torn = true;  // the record runs past the end of the file: a write cut short
      break;
    }
    const char* payload = frame + kRecordHeaderBytes;
    if (crc32c(payload, length) != checksum) {
      if (position + kRecordHeaderBytes + length == bytes.size()) {
        log.torn = true;  // the last record is damaged: treat as torn
        break;
      }
      throw corrupt_file(path, "tail log record at byte " + std::to_string(position) + " fails its checksum");
    }
    log.records.emplace_back(payload, length);
    position += kRecordHeaderBytes + length;
  }
  log.valid_length = position;
  return log;
}

void encode_insert_record(std::string& out, const std::string& table, uint32_t table_id, const std::vector<Column>& columns,
                         size_t row_count) {
  ByteWriter writer(out);
  writer.put<uint8_t>(uint8_t(RecordKind::InsertInto));
  writer.put_string(table);
  writer.put<uint32_t>(table_id);
  encode_insert_columns(out, columns, row_count);
}

void encode_insert_columns(std::string& out, const std::vector<Column>& columns, size_t row_count) {
  ByteWriter writer(out);
  writer.put<uint64_t>(row_count);
  writer.put<uint32_t>(uint32_t(columns.size()));
  for (const Column& column : columns) {
    writer.put<uint8_t>(column.has_nulls() ? 1 : 0);
    if (column.has_nulls()) writer.put_bytes(column.validity().data(), row_count);
    if (column.type().is_variable_width()) writer.put_bytes(column.offsets().data(), (row_count + 1) * 4);
    writer.put<uint64_t>(column.data().size());
    writer.put_bytes(column.data().data(), column.data().size());
  }
}

std::vector<Column> decode_insert_columns(ByteReader& in, const TableSchema& schema) {
  const uint64_t row_count = in.get<uint64_t>();
  const uint32_t column_count = in.get<uint32_t>();
  if (column_count != schema.columns.size()) throw corrupt_file(in.file(), "insert record has the wrong column count");
  if (row_count > in.remaining()) throw corrupt_file(in.file(), "insert record row count out of range");
  std::vector<Column> columns;
  for (uint32_t c = 0; c < column_count; c++) {
    Column column(schema.columns[c].type);
    const bool has_nulls = in.get<uint8_t>() != 0;
    if (has_nulls) {
      std::string_view validity = in.get_bytes(row_count);
      column.validity().assign(validity.begin(), validity.end());
    }
    if (column.type().is_variable_width()) {
      std::string_view raw = in.get_bytes((row_count + 1) * 4);
      column.offsets().resize(row_count + 1);
      std::memcpy(column.offsets().data(), raw.data(), raw.size());
    }
    const uint64_t data_length = in.get<uint64_t>();
    std::string_view data = in.get_bytes(data_length);
    column.data().assign(data.begin(), data.end());
    if (column.type().is_variable_width()) {
      const std::vector<uint32_t>& offsets = column.offsets();
      if (offsets[0] != 0 || offsets[row_count] != data_length) throw corrupt_file(in.file(), "insert record offsets do not match its data");
      for (size_t row = 0; row < row_count; row++) {
        if (offsets[row + 1] < offsets[row]) throw corrupt_file(in.file(), "insert record offsets are not monotone");
      }
    } else if (data_length != row_count * column.type().width()) {
      throw corrupt_file(in.file(), "insert record values have the wrong length");
    }
    column.set_size(row_count);
    columns.push_back(std::move(column));
  }
  return columns;
}

}  // namespace replaydb
