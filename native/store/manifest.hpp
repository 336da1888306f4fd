// Manifests: one immutable file per version of the database, naming everything that
// version holds: the schema, each table's sealed segments, and the tail log that
// continues from it. A version becomes current when a ref (refs/heads/<branch>) is
// atomically swapped to name its manifest. Layout in FORMAT.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "index/vector_index.hpp"
#include "store/schema.hpp"

namespace replaydb {

/**
 * Version 5 added the session logs a version absorbed; 4 vector indexes; 3 merge parents;
 * 2 per-segment deletion files. Older versions are still read.
 */
constexpr uint32_t kManifestFormatVersion = 5;

/** Why a version was made: commit(), an automatic seal, a new branch, a merge, optimize(). */
enum class VersionKind : uint8_t { Create = 0, Commit = 1, Seal = 2, Branch = 3, Merge = 4, Optimize = 5 };

struct SegmentEntry {
  std::string file;  // name under segments/
  uint64_t row_count = 0;
  /** Name under segments/ of the deletion file of this version, or empty when no row is deleted. */
  std::string deletions;
  uint64_t deleted_count = 0;
  /** Per index of the table (same order): the index file under indexes/, or empty (search exactly). */
  std::vector<std::string> index_files;
};

/** CREATE INDEX … USING hnsw on one VECTOR column. */
struct IndexDefinition {
  std::string name;
  uint32_t column = 0;
  VectorIndexOptions options;
};

struct ManifestTable {
  TableSchema schema;
  std::vector<SegmentEntry> segments;
  std::vector<IndexDefinition> indexes;
};

struct Manifest {
  std::string id;
  std::string parent;        // empty for the first version
  std::string merge_parent;  // the merged branch's version, for merges
  VersionKind kind = VersionKind::Create;
  std::string message;
  int64_t time_micros = 0;
  uint32_t next_table_id = 1;
  std::vector<ManifestTable> tables;
  /** Format 4 and older: name under tail/ of the log that continued this version (one writer). Empty since 5. */
  std::string tail_log;
  /**
   * Session logs (names under tail/) whose records this version took in, so that a log
   * left behind by a crash after its commit is recognised and not taken in twice.
   */
  std::vector<std::string> absorbed_logs;
};

std::string encode_manifest(const Manifest& manifest);
Manifest decode_manifest(const std::string& bytes, const std::string& file);

}  // namespace replaydb
