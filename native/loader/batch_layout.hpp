// Where each column of a batch goes in the one allocation the batch is gathered into (a
// reused host buffer, or a mapped WebGPU staging buffer). A layout is fixed for the life of
// a stream: every region has a constant offset and a capacity large enough for any batch,
// so allocations are made once and reused, and WGSL can rely on constant offsets.
//
// Host layout (64-byte aligned regions): every type as the result stores it (INT i32,
// BIGINT/TIMESTAMP i64, REAL f32, DOUBLE f64, BOOLEAN u8, VECTOR(n) f32 × n), TEXT/JSONB
// as u32 offsets[rows + 1] then UTF-8 bytes, validity u8 per row for columns with NULLs.
// GPU layout (256-byte aligned regions, so each can be bound or copied on its own): DOUBLE
// becomes f32, BOOLEAN u32, validity u32 per row, text bytes start 256-aligned after the
// offsets and are zero-padded to 4 bytes; every region's used size is a multiple of 4.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/column.hpp"

namespace replaydb::loader {

enum class BatchTarget : uint8_t { Host, Gpu };

enum class RegionKind : uint8_t { Values, Validity };

enum class Encoding : uint8_t {
  Copy,         // fixed-width values as stored
  DoubleToF32,  // DOUBLE → f32 (GPU)
  BoolToU32,    // BOOLEAN byte → u32 0/1 (GPU)
  Text,         // u32 offsets[rows + 1] from the region start, bytes at text_bytes_offset
  ValidityU8,   // one byte per row, 1 = present (host)
  ValidityU32,  // one u32 per row, 1 = present (GPU)
  Zero,         // an untyped NULL column: zero bytes (u8 host, u32 GPU)
  Tokens,       // i32[rows × seqLen], written by the token packer
};

struct Region {
  uint32_t column = 0;  // index into the stream's columns (token batches: 0 … 3)
  RegionKind kind = RegionKind::Values;
  Encoding encoding = Encoding::Copy;
  size_t offset = 0;             // from the start of the batch allocation
  size_t capacity = 0;           // bytes reserved for the largest possible batch
  size_t row_bytes = 0;          // bytes per row for fixed encodings; 0 for Text
  size_t text_bytes_offset = 0;  // Text only: start of the bytes, from the region's start
};

struct BatchLayout {
  BatchTarget target = BatchTarget::Host;
  size_t batch_rows = 0;
  size_t alignment = 64;
  std::vector<Region> regions;
  size_t total_bytes = 0;
};

/** The regions of a row batch over `columns` (one per column, plus one per column with NULLs). */
BatchLayout row_batch_layout(const std::vector<ColumnView>& columns, BatchTarget target, size_t batch_rows);

/** The four i32[batch_rows × seq_len] regions of a token batch: input_ids, loss_mask, position_ids, sequence_ids. */
BatchLayout token_batch_layout(BatchTarget target, size_t batch_rows, size_t seq_len);

/** Most text bytes any `batch_rows` rows of `column` can hold: the sum of its longest values. */
size_t text_capacity_bound(const ColumnView& column, size_t batch_rows);

inline size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) / alignment * alignment; }

}  // namespace replaydb::loader
