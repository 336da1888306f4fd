// TIMESTAMP values are int64 microseconds since 1970-01-01 00:00:00 UTC. This file parses
// the ISO 8601 / Postgres text forms users write in SQL and parameters.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace replaydb {

/**
 * Parses 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' (or 'T' as separator) with an
 * optional 'Z' or ±HH[:MM] offset (no offset means UTC). nullopt when malformed.
 */
/** `out_of_range` (optional) is set when the text is well-formed but names no real time (Feb 30). */
std::optional<int64_t> parse_timestamp(std::string_view text, bool* out_of_range = nullptr);

int64_t current_time_micros();

}  // namespace replaydb
