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
  /** The index's own copy of the row's vector where it is unquantized (f32), else null: the
   *  search just read it, so it is in cache, unlike the segment's copy. */
  const float* vector = nullptr;
};

/**
 * Distance as the index ranks it, for exact scans to agree with index results:
 * cosine → 1 − cos(a, b) (1 when either vector is all zeros), L2 → Euclidean distance,
 * inner product → −(a · b). Computed with the same SIMD kernels the index uses (numkong,
 * chosen once at run time for this CPU), accumulated in double precision.
 */
float vector_distance(VectorMetric metric, const float* a, const float* b, size_t dimensions);

/** a · b, accumulated in double precision with the run-time dispatched SIMD kernel. */
double vector_dot(const float* a, const float* b, size_t dimensions);

/** Σ (a_i − b_i)², accumulated in double precision with the run-time dispatched SIMD kernel. */
double vector_squared_l2(const float* a, const float* b, size_t dimensions);

/** 1 − cos(a, b) in double precision, in [0, 2]; 1 when either vector is all zeros. One
 *  pass computes a · b, |a|² and |b|² together. */
double vector_cosine_distance(const float* a, const float* b, size_t dimensions);

/** The instruction set the f32 kernels run on here ("skylake", "haswell", "neon", "serial", …). */
const char* vector_kernel_isa();

/**
 * One index file, opened read-only. The file is usearch's serialization followed by a
 * trailer with its format version, metric, quantization, dimensions, vector count and a
 * CRC-32C of every byte, checked on open. search() may be called from several threads at
 * once; build() and open() are independent of any open index.
 */
class VectorIndex {
 public:
  /**
   * Builds an index over rows of `vectors` (a VECTOR(n) view); rows that are NULL or
   * flagged in `skip` (may be null) are left out. Uses `threads` threads; `progress` (may
   * be empty) is called now and then with rows added so far, always on the calling thread
   * and never concurrently; if it throws (cancellation), the build stops, no file is left
   * behind and the exception propagates. The file appears at `path` whole or not at all
   * (temporary, fsync, rename). An index of zero rows is valid. I8 quantization keeps only
   * each vector's direction, so it requires the cosine metric (EngineError otherwise).
   */
  static void build(const std::string& path, const ColumnView& vectors, const uint8_t* skip, const VectorIndexOptions& options,
                    size_t threads, const std::function<void(size_t)>& progress);
  /**
   * Opens a built index file as a memory-mapped view, kept mapped while the VectorIndex
   * lives. Reads the file once to verify its checksum. StorageError (data_corrupted) naming
   * the file if it is damaged, truncated, or built for other dimensions, metric or
   * quantization than these.
   */
  static std::shared_ptr<VectorIndex> open(const std::string& path, size_t dimensions, const VectorIndexOptions& options);
  ~VectorIndex();

  /**
   * The `k` nearest rows to `query` among rows for which `accept(row)` is true, nearest
   * first, exploring with `expansion` (≥ k). May return fewer than k when the filter is
   * very selective: callers fall back to an exact scan then. Distances follow
   * vector_distance() (computed on the quantized vectors when the index is F16 or I8).
   * Thread-safe. `accept` may be empty (every row); it is called on the calling thread,
   * and if it throws, the search stops and the exception propagates.
   */
  std::vector<VectorHit> search(const float* query, size_t k, size_t expansion, const std::function<bool(uint32_t)>& accept) const;
  /** Number of vectors in the index. */
  size_t size() const;

 private:
  VectorIndex();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replaydb
