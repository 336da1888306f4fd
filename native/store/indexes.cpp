// Vector indexes of tables: CREATE/DROP INDEX, building one index file per sealed segment,
// and opening them lazily for search. An index file belongs to one segment and never
// changes; a version lists, per segment, the file of each of its table's indexes.
#include <thread>

#include "common/error.hpp"
#include "store/database.hpp"

namespace replaydb {

std::shared_ptr<VectorIndex> TableState::segment_index(size_t segment, size_t index, const std::string& indexes_directory) const {
  std::lock_guard<std::mutex> guard(segment_mutex_);
  if (vector_indexes_.size() < segment_entries.size()) vector_indexes_.resize(segment_entries.size());
  auto& cached = vector_indexes_[segment];
  if (cached.size() < indexes.size()) cached.resize(indexes.size());
  if (!cached[index]) {
    const SegmentEntry& entry = segment_entries[segment];
    if (index >= entry.index_files.size() || entry.index_files[index].empty()) return nullptr;
    const IndexDefinition& definition = indexes[index];
    cached[index] = VectorIndex::open(indexes_directory + "/" + entry.index_files[index], schema.columns[definition.column].type.dimension,
                                      definition.options);
  }
  return cached[index];
}

std::vector<std::string> Database::build_indexes(const std::vector<IndexDefinition>& definitions, const std::string& segment_file,
                                                 const std::function<ColumnView(uint32_t)>& column, const uint8_t* deleted) {
  std::vector<std::string> files;
  make_directories(indexes_directory());
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  for (const IndexDefinition& definition : definitions) {
    const ColumnView vectors = column(definition.column);
    const std::string file = segment_file + "." + definition.name + "." + new_id() + ".usearch";
    const uint64_t base = index_done_.load();
    VectorIndex::build(indexes_directory() + "/" + file, vectors, deleted, definition.options, threads,
                       [&](size_t done) { index_done_.store(base + done); });
    index_done_.store(base + vectors.size);
    files.push_back(file);
  }
  return files;
}

bool Database::create_index(const std::string& table_name, IndexDefinition definition, bool if_not_exists) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  CommitGuard commit(*this);
  rebase_to_head();
  for (const auto& [name, table] : tables_) {
    for (const IndexDefinition& index : table->indexes) {
      if (index.name == definition.name) {
        if (if_not_exists) return false;
        throw EngineError("duplicate_object", "relation \"" + definition.name + "\" already exists");
      }
    }
  }
  TableState* table = find_table_mutable(table_name);
  if (!table) throw EngineError("undefined_table", "relation \"" + table_name + "\" does not exist");
  if (definition.column >= table->schema.columns.size() || table->schema.columns[definition.column].type.id != TypeId::Vector) {
    throw EngineError("datatype_mismatch", "an hnsw index needs a VECTOR column");
  }
  if (has_pending()) seal_locked(VersionKind::Seal, "");  // index every row that exists now
  const std::string directory = segments_directory();
  uint64_t total = 0;
  for (const SegmentEntry& entry : table->segment_entries) total += entry.row_count;
  index_done_.store(0);
  index_total_.store(total);
  std::vector<std::string> files;
  for (size_t s = 0; s < table->segment_entries.size(); s++) {
    std::shared_ptr<Segment> segment = table->segment(s, directory);
    auto deleted = table->segment_deletions(s, directory);
    files.push_back(build_indexes({definition}, table->segment_entries[s].file,
                                  [&](uint32_t column) { return segment->column(column); }, deleted ? deleted->data() : nullptr)[0]);
  }
  Manifest next = manifest_;
  for (ManifestTable& entry : next.tables) {
    if (entry.schema.name != table_name) continue;
    entry.indexes.push_back(definition);
    for (size_t s = 0; s < entry.segments.size(); s++) {
      entry.segments[s].index_files.resize(entry.indexes.size() - 1);
      entry.segments[s].index_files.push_back(files[s]);
    }
  }
  publish_version(std::move(next), VersionKind::Commit, "create index " + definition.name);
  return true;
}

void Database::drop_index(const std::string& name, bool if_exists) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  CommitGuard commit(*this);
  rebase_to_head();
  Manifest next = manifest_;
  bool found = false;
  if (has_pending()) seal_locked(VersionKind::Seal, "");
  next = manifest_;
  for (ManifestTable& entry : next.tables) {
    for (size_t i = 0; i < entry.indexes.size(); i++) {
      if (entry.indexes[i].name != name) continue;
      found = true;
      entry.indexes.erase(entry.indexes.begin() + long(i));
      for (SegmentEntry& segment : entry.segments) {
        if (i < segment.index_files.size()) segment.index_files.erase(segment.index_files.begin() + long(i));
      }
      break;
    }
  }
  if (!found) {
    if (if_exists) return;
    throw EngineError("undefined_object", "index \"" + name + "\" does not exist");
  }
  publish_version(std::move(next), VersionKind::Commit, "drop index " + name);
}

}  // namespace replaydb
