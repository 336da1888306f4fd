// Deletion files: which rows of a sealed segment are deleted in a given version. Segments
// never change, so DELETE and UPDATE mark rows here; each version that changes a segment's
// deletions writes a new immutable deletion file and names it in its manifest. Layout:
// magic "RPDBDEL1", u64 row count, then one byte per row (1 = deleted), then CRC-32C of
// everything before it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace replaydb {

void write_deletions(const std::string& path, const std::vector<uint8_t>& deleted);
/** Reads a deletion file for a segment of `row_count` rows; corruption is a StorageError naming it. */
std::vector<uint8_t> read_deletions(const std::string& path, uint64_t row_count);

}  // namespace replaydb
