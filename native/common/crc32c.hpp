// CRC-32C (Castagnoli), the checksum of every segment block, tail-log record and manifest.
// Uses the SSE4.2 instruction when the CPU has it (checked at run time, so the shipped
// binary needs no -march flag) and a table-driven loop otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace replaydb {

uint32_t crc32c(const void* data, size_t length, uint32_t previous = 0);

}  // namespace replaydb
