// The tail log: an append-only file of the statements applied since the last sealed
// version. Each statement is one record (so a statement is atomic), framed as
// [u32 payload length][u32 CRC-32C of payload][u32 CRC-32C of the length][payload]. A record is written with one
// write() before the statement returns, so it survives a kill -9 of the process; with
// sync 'full' it is also fdatasync'ed. On open the log is replayed: a torn last record (a
// crash mid-write) is cut off, while a damaged record followed by good ones is corruption
// and an error. Layout in FORMAT.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/column.hpp"
#include "store/files.hpp"
#include "store/schema.hpp"

namespace replaydb {

/** Version 2 added a checksum of each record's length. */
constexpr uint32_t kTailLogFormatVersion = 2;

enum class RecordKind : uint8_t { CreateTable = 1, DropTable = 2, Insert = 3, Modify = 4 };

struct ReplayedLog {
  std::vector<std::string> records;  // payloads, in order
  uint64_t valid_length = 0;         // bytes up to the end of the last whole record
  bool torn = false;                 // a partial last record was found (and cut, if repairing)
};

/** Reads `path` (which must exist); throws StorageError on corruption before the last record. */
ReplayedLog read_tail_log(const std::string& path);

/** The bytes a new, empty log file starts with. */
std::string tail_log_header();

/** Bytes before a record's payload: u32 length, u32 CRC-32C of the payload, u32 CRC-32C of the length. */
constexpr size_t kRecordHeaderBytes = 12;

/** A record buffer with its header space reserved; append the payload, then finish_record. */
inline std::string start_record() { return std::string(kRecordHeaderBytes, '\0'); }
/** Fills in the header of a record begun with start_record. */
void finish_record(std::string& record);

void encode_insert_record(std::string& out, uint32_t table_id, const std::vector<Column>& columns, size_t row_count);
/** Decodes the columns of an insert record (after its kind byte and table id) for `schema`. */
std::vector<Column> decode_insert_columns(ByteReader& in, const TableSchema& schema);

}  // namespace replaydb
