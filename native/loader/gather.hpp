// Gathers rows of a result column, by row index, into one region of a batch: the one copy
// between the result's native buffers and the batch's memory (a host buffer or a mapped
// WebGPU staging buffer). Runs of consecutive row indexes (unshuffled batches) are copied
// with one memcpy per run; scattered rows with a tight per-row loop specialised by width.
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/column.hpp"
#include "loader/batch_layout.hpp"

namespace replaydb::loader {

/**
 * Writes rows `rows[0 … count)` of `column` into `region` of the batch at `base` and
 * returns the bytes of the region it used (a multiple of 4 on the GPU target, padding
 * zeroed). `count` ≤ the layout's batch_rows, so the region's capacity always suffices.
 */
size_t gather_region(const ColumnView& column, const Region& region, BatchTarget target, const uint32_t* rows, size_t count,
                     uint8_t* base);

}  // namespace replaydb::loader
