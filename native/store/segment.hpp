// Segments: immutable columnar files holding one sealed batch of rows of one table.
//
// A segment is written once (write_segment) and then only read, through mmap. Every column
// is stored as up to three 64-byte-aligned blocks (validity bytes, values, u32 offsets for
// variable-width types), each with a CRC-32C in the footer; the footer also holds per-column
// zone maps (min/max of numeric columns, null counts) for pruning. A block's checksum is
// verified the first time the block is read in a process, so opening a database reads no
// data, and a flipped bit is still reported (naming the file) before it can be used.
// The byte layout is specified in FORMAT.md.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/column.hpp"
#include "store/files.hpp"

namespace replaydb {

constexpr uint32_t kSegmentFormatVersion = 1;

struct BlockReference {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t checksum = 0;
};

/** Min/max over the present values of a fixed-width numeric column. */
struct ZoneMap {
  bool valid = false;
  double min = 0;
  double max = 0;
};

struct SegmentColumnInfo {
  DataType type;
  uint64_t null_count = 0;
  BlockReference validity;
  BlockReference values;
  BlockReference offsets;
  ZoneMap zone;
};

/** Writes `columns` (all of `row_count` rows) as the segment file `path`, atomically and fsync'ed. */
void write_segment(const std::string& path, const std::vector<const Column*>& columns, size_t row_count);

class Segment {
 public:
  /** Maps the file and checks its trailer and footer; reads no column data. */
  explicit Segment(const std::string& path);
  size_t row_count() const { return row_count_; }
  size_t column_count() const { return columns_.size(); }
  const SegmentColumnInfo& info(size_t column) const { return columns_[column]; }
  /** A view of a whole column; verifies its blocks' checksums on first use. */
  ColumnView column(size_t index) const;
  const std::string& path() const { return file_.path(); }

  /** Per-row flags derived from this segment (the rows a filter passes), with counts. */
  struct RowSet {
    std::vector<uint8_t> flags;
    size_t count = 0;      // rows flagged as passing
    size_t unsettled = 0;  // of them, rows whose answer is not known yet (the deriver's meaning)
    mutable std::atomic<uint32_t> reuses{0};  // times read back from the cache
  };
  /**
   * Row sets computed before under `key` (which must name everything they depend on
   * beyond this segment's immutable data, such as its deletion file), so that repeated
   * searches with the same filter skip evaluating it. Keeps the last few keys; caching
   * under a key again replaces its row set.
   */
  std::shared_ptr<const RowSet> cached_rows(const std::string& key) const;
  void cache_rows(const std::string& key, std::shared_ptr<const RowSet> rows) const;

 private:
  void verify(size_t index) const;

  MappedFile file_;
  size_t row_count_ = 0;
  std::vector<SegmentColumnInfo> columns_;
  mutable std::unique_ptr<std::atomic<bool>[]> verified_;
  mutable std::mutex verify_mutex_;
  mutable std::mutex cache_mutex_;
  mutable std::vector<std::pair<std::string, std::shared_ptr<const RowSet>>> row_cache_;  // most recent last
};

}  // namespace replaydb
