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

/**
 * Version 3 made logs per session (a first Session record naming the branch) and added
 * ModifyRows; 2 added a checksum of each record's length. Version 2 logs are still read.
 */
constexpr uint32_t kTailLogFormatVersion = 3;

/**
 * Format 2 records name tables by id and Modify deletes rows by position in the version
 * the log continues. Format 3 writes InsertInto and ModifyRows instead: they name tables by
 * name and each deleted row by its segment file and row (or its row among this log's own
 * appends), so a record means the same rows after another process commits.
 */
enum class RecordKind : uint8_t { CreateTable = 1, DropTable = 2, Insert = 3, Modify = 4, Session = 5, ModifyRows = 6, InsertInto = 7 };

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

/** An InsertInto record's payload. */
void encode_insert_record(std::string& out, const std::string& table, uint32_t table_id, const std::vector<Column>& columns,
                         size_t row_count);
/** The rows part of an insert (shared by InsertInto, ModifyRows and the format-2 records). */
void encode_insert_columns(std::string& out, const std::vector<Column>& columns, size_t row_count);
/** Decodes the rows part of an insert record for `schema`. */
std::vector<Column> decode_insert_columns(ByteReader& in, const TableSchema& schema);

}  // namespace replaydb
