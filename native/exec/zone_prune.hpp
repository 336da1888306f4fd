// Zone-map pruning: whether a segment may hold a row passing a scan's filter, judged from
// the segment's per-column min/max and null counts alone, without reading its data.
// Conservative: "may" is the answer whenever the filter's shape is not understood.
#pragma once
#include "expr/expression.hpp"
#include "store/segment.hpp"

namespace replaydb {

bool segment_may_match(const Expression& filter, const Segment& segment);

}  // namespace replaydb
