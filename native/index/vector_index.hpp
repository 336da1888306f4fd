// HNSW vector indexes (usearch) over the VECTOR column of one sealed segment. An index is
// built once when its segment is sealed (or by CREATE INDEX), saved beside the segment as
// an immutable file, and later opened as a memory-mapped view, so opening a database
// stays cheap and branches share index files. Keys are row numbers within the segment.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/column.hpp"

namespace replaydb {

enum class VectorMetric : uint8_t { Cosine = 1, L2 = 2, InnerProduct = 3 };
enum class VectorQuantization : uint8_t { F32 = 1, F16 = 2, I8 = 3 };

struct VectorIndexOptions {
  VectorMetric metric = VectorMetric::Cosine;
  uint32_t connectivity = 16;        // m
  uint32_t expansion_add = 128;      // ef_construction
  uint32_t expansion_search = 64;    // ef_search (default for searches)
  VectorQuantization quantization = VectorQuantization::F32;
};

/** One search hit: a row of the segment and its distance (smaller is closer, for every metric). */
struct VectorHit {
  uint32_t row;
  float distance;
};

/**
 * Distance as the index ranks it, for exact scans to agree with index results:
 * cosine → 1 − cos(a, b) (1 when either vector is all zeros), L2 → Euclidean distance,
 * inner product → −(a · b).
 */
float vector_distance(VectorMetric metric, const float* a, const float* b, size_t dimensions);

class VectorIndex {
 public:
  /**
   * Builds an index over rows of `vectors` (a VECTOR(n) view); rows that are NULL or
   * flagged in `skip` (may be null) are left out. Uses `threads` threads; `progress` (may
   * be empty) is called now and then with rows added so far.
   */
  static void build(const std::string& path, const ColumnView& vectors, const uint8_t* skip, const VectorIndexOptions& options,
                    size_t threads, const std::function<void(size_t)>& progress);
  /** Opens a built index file as a memory-mapped view; StorageError naming the file if it is damaged. */
  static std::shared_ptr<VectorIndex> open(const std::string& path, size_t dimensions, const VectorIndexOptions& options);
  ~VectorIndex();

  /**
   * The `k` nearest rows to `query` among rows for which `accept(row)` is true, nearest
   * first, exploring with `expansion` (≥ k). May return fewer than k when the filter is
   * very selective: callers fall back to an exact scan then.
   */
  std::vector<VectorHit> search(const float* query, size_t k, size_t expansion, const std::function<bool(uint32_t)>& accept) const;
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replaydb
