// Versions and branches: creating, switching, listing and deleting branches, history,
// differences between versions, merges, compaction and garbage collection.
//
// Every version is an immutable manifest; a branch is a ref naming one. Creating a branch
// writes one small manifest (a copy of its source with its own, empty tail log), so it
// costs the same at ten rows as at ten million and copies no data. Merges combine the
// segment lists of both sides (appends never conflict) and OR their deletion flags; rows
// changed on both sides, or a primary key live on both sides, are conflicts.
#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/error.hpp"
#include "store/database.hpp"
#include "store/deletions.hpp"
#include "store/refs.hpp"

namespace replaydb {
namespace {

/**
 * Automatic compaction merges a suffix of a table's segments, not all of them: the newest
 * segments, extended to an older one while that one holds at most twice the rows gathered
 * so far (and until at most half the threshold would remain). Sizes then grow
 * geometrically, so every row is rewritten O(log n) times over many small commits instead
 * of at every compaction, and each version keeps a bounded number of segments.
 */
size_t first_segment_to_merge(const std::vector<SegmentEntry>& segments, size_t threshold) {
  auto live = [](const SegmentEntry& segment) { return segment.row_count - segment.deleted_count; };
  size_t first = segments.size() - 1;
  uint64_t gathered = live(segments[first]);
  while (first > 0 && (segments.size() - first < 2 || live(segments[first - 1]) <= 2 * gathered || first + 1 > threshold / 2)) {
    first--;
    gathered += live(segments[first]);
  }
  return first;
}

uint64_t live_rows(const ManifestTable& table) {
  uint64_t rows = 0;
  for (const SegmentEntry& segment : table.segments) rows += segment.row_count - segment.deleted_count;
  return rows;
}

const ManifestTable* table_named(const Manifest& manifest, const std::string& name) {
  for (const ManifestTable& table : manifest.tables) {
    if (table.schema.name == name) return &table;
  }
  return nullptr;
}

}  // namespace

std::string Database::create_branch(const std::string& name, const std::string& from) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  check_branch_name(name);
  CommitGuard commit(*this);
  rebase_to_head();
  const std::string ref = path_ + "/refs/heads/" + name;
  if (file_exists(ref)) throw EngineError("duplicate_object", "branch \"" + name + "\" already exists");
  std::string source_id;
  if (from.empty() || from == branch_) {
    if (has_pending()) seal_locked(VersionKind::Seal, "");  // the branch captures what this handle sees
    source_id = manifest_.id;
  } else {
    source_id = resolve(from);
  }
  Manifest next = read_manifest(source_id);
  next.id = new_id();
  next.parent = source_id;
  next.merge_parent.clear();
  next.kind = VersionKind::Branch;
  next.message = "branch " + name + " from " + (from.empty() ? branch_ : from);
  next.time_micros = now_micros();
  next.tail_log.clear();
  next.absorbed_logs.clear();
  write_file_atomically(path_ + "/manifests/" + next.id, encode_manifest(next), true);
  const size_t slash = ref.find_last_of('/');
  make_directories(ref.substr(0, slash));
  write_file_atomically(ref, next.id + "\n", true);
  return next.id;
}

void Database::checkout(const std::string& name) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  check_branch_name(name);
  CommitGuard commit(*this);
  if (!file_exists(path_ + "/refs/heads/" + name)) throw EngineError("undefined_object", "branch \"" + name + "\" does not exist");
  if (name == branch_) return;
  if (has_pending()) seal_locked(VersionKind::Seal, "");
  const std::string previous = branch_;
  try {
    load_branch(name);
  } catch (...) {
    load_branch(previous);  // sealed just above, so reloading it loses nothing
    throw;
  }
}

void Database::delete_branch(const std::string& name) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  check_branch_name(name);
  if (name == branch_) throw EngineError("object_in_use", "cannot delete branch \"" + name + "\": it is checked out");
  CommitGuard commit(*this);
  const std::string ref = path_ + "/refs/heads/" + name;
  if (!file_exists(ref)) throw EngineError("undefined_object", "branch \"" + name + "\" does not exist");
  remove_file(ref);
}

std::vector<std::string> Database::branches() const {
  auto guard = read_lock();
  return list_branches(path_ + "/refs/heads");
}

std::vector<VersionInfo> Database::log(const std::string& branch_or_version, size_t limit) {
  auto guard = read_lock();
  check_open();
  std::vector<VersionInfo> out;
  std::string id = resolve(branch_or_version);
  while (!id.empty() && out.size() < limit) {
    const Manifest manifest = read_manifest(id);
    VersionInfo info;
    info.id = manifest.id;
    info.parent = manifest.parent;
    info.merge_parent = manifest.merge_parent;
    info.kind = manifest.kind;
    info.message = manifest.message;
    info.time_micros = manifest.time_micros;
    for (const ManifestTable& table : manifest.tables) info.row_counts.emplace_back(table.schema.name, live_rows(table));
    out.push_back(std::move(info));
    id = manifest.parent;
  }
  return out;
}

std::vector<TableDifference> Database::diff(const std::string& from, const std::string& to) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_open();
  const bool involves_current = from.empty() || to.empty() || from == branch_ || to == branch_;
  if (involves_current && has_pending() && !read_only()) seal_locked(VersionKind::Seal, "");
  const Manifest a = read_manifest(resolve(from));
  const Manifest b = read_manifest(resolve(to));
  std::set<std::string> names;
  for (const ManifestTable& table : a.tables) names.insert(table.schema.name);
  for (const ManifestTable& table : b.tables) names.insert(table.schema.name);
  std::vector<TableDifference> out;
  for (const std::string& name : names) {
    const ManifestTable* before = table_named(a, name);
    const ManifestTable* after = table_named(b, name);
    TableDifference difference;
    difference.table = name;
    if (!before || !after || before->schema.id != after->schema.id) {
      if (before) difference.removed = live_rows(*before);
      if (after) difference.added = live_rows(*after);
      out.push_back(difference);
      continue;
    }
    std::unordered_map<std::string, const SegmentEntry*> old_segments;
    for (const SegmentEntry& segment : before->segments) old_segments[segment.file] = &segment;
    std::unordered_set<std::string> new_files;
    for (const SegmentEntry& segment : after->segments) {
      new_files.insert(segment.file);
      auto found = old_segments.find(segment.file);
      if (found == old_segments.end()) {
        difference.added += segment.row_count - segment.deleted_count;
      } else if (segment.deleted_count >= found->second->deleted_count) {
        difference.removed += segment.deleted_count - found->second->deleted_count;
      } else {
        difference.added += found->second->deleted_count - segment.deleted_count;
      }
    }
    for (const SegmentEntry& segment : before->segments) {
      if (!new_files.count(segment.file)) difference.removed += segment.row_count - segment.deleted_count;
    }
    out.push_back(difference);
  }
  return out;
}

MergeOutcome Database::merge(const std::string& source, const std::string& into_name, MergeStrategy strategy) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  const std::string into = into_name.empty() ? branch_ : into_name;
  check_branch_name(into);
  if (!file_exists(path_ + "/refs/heads/" + into)) throw EngineError("undefined_object", "branch \"" + into + "\" does not exist");
  CommitGuard commit(*this);
  rebase_to_head();
  if (into == branch_ && has_pending()) seal_locked(VersionKind::Seal, "");
  if (source == branch_ && has_pending()) seal_locked(VersionKind::Seal, "");
  const std::string into_id = into == branch_ ? manifest_.id : resolve(into);
  const std::string source_id = resolve(source);
  MergeOutcome outcome;

  // The merge base: the first ancestor of `source` that is also an ancestor of `into`.
  std::unordered_set<std::string> into_ancestors;
  std::deque<std::string> queue{into_id};
  while (!queue.empty()) {
    const std::string id = queue.front();
    queue.pop_front();
    if (id.empty() || !into_ancestors.insert(id).second) continue;
    const Manifest manifest = read_manifest(id);
    queue.push_back(manifest.parent);
    queue.push_back(manifest.merge_parent);
  }
  if (into_ancestors.count(source_id)) {
    outcome.up_to_date = true;
    outcome.version = into_id;
    return outcome;
  }
  std::string base_id;
  std::unordered_set<std::string> visited;
  queue = {source_id};
  while (!queue.empty() && base_id.empty()) {
    const std::string id = queue.front();
    queue.pop_front();
    if (id.empty() || !visited.insert(id).second) continue;
    if (into_ancestors.count(id)) {
      base_id = id;
      break;
    }
    const Manifest manifest = read_manifest(id);
    queue.push_back(manifest.parent);
    queue.push_back(manifest.merge_parent);
  }
  const Manifest ours = read_manifest(into_id);
  const Manifest theirs = read_manifest(source_id);
  const Manifest base = base_id.empty() ? Manifest{} : read_manifest(base_id);
  const std::string directory = segments_directory();

  Manifest merged = ours;
  merged.tables.clear();
  struct PendingDeletions {
    size_t table;
    size_t segment;
    std::vector<uint8_t> flags;
  };
  std::vector<PendingDeletions> rewritten;
  auto flags_of = [&](const SegmentEntry& segment) {
    if (segment.deletions.empty()) return std::vector<uint8_t>(segment.row_count, 0);
    return read_deletions(directory + "/" + segment.deletions, segment.row_count);
  };

  std::set<std::string> names;
  for (const ManifestTable& table : ours.tables) names.insert(table.schema.name);
  for (const ManifestTable& table : theirs.tables) names.insert(table.schema.name);
  for (const std::string& name : names) {
    const ManifestTable* mine = table_named(ours, name);
    const ManifestTable* other = table_named(theirs, name);
    const ManifestTable* common = table_named(base, name);
    if (!other) {
      merged.tables.push_back(*mine);
      continue;
    }
    if (!mine) {
      if (common && schema_bytes(common->schema) == schema_bytes(other->schema) && live_rows(*common) == live_rows(*other) &&
          common->segments.size() == other->segments.size()) {
        continue;  // dropped on our side, untouched on theirs: stays dropped
      }
      if (common) {
        outcome.conflicts.push_back({name, "schema", "dropped on \"" + into + "\" but changed on \"" + source + "\""});
        continue;
      }
      // Created on their side only. Table ids are per database: renumber one that ours uses too.
      ManifestTable added = *other;
      bool clash = false;
      for (const ManifestTable& table : ours.tables) clash = clash || table.schema.id == added.schema.id;
      for (const ManifestTable& table : merged.tables) clash = clash || table.schema.id == added.schema.id;
      if (clash) added.schema.id = std::max(ours.next_table_id, theirs.next_table_id) + uint32_t(merged.tables.size()) + 1;
      merged.tables.push_back(std::move(added));
      continue;
    }
    if (schema_bytes(mine->schema) != schema_bytes(other->schema)) {
      outcome.conflicts.push_back({name, "schema", "the table's definition differs between the two sides"});
      merged.tables.push_back(*mine);
      continue;
    }
    ManifestTable table = *mine;
    const size_t table_index = merged.tables.size();
    std::unordered_map<std::string, size_t> position_of;
    for (size_t s = 0; s < table.segments.size(); s++) position_of[table.segments[s].file] = s;
    std::unordered_map<std::string, const SegmentEntry*> base_segments;
    if (common) {
      for (const SegmentEntry& segment : common->segments) base_segments[segment.file] = &segment;
    }
    // Result flags of every segment in the merged list; `theirs_only` marks segments they added.
    std::vector<std::vector<uint8_t>> flags;
    std::vector<bool> theirs_only;
    std::vector<bool> touched;  // flags differ from the segment's current deletion file
    for (const SegmentEntry& segment : table.segments) {
      flags.push_back(flags_of(segment));
      theirs_only.push_back(false);
      touched.push_back(false);
    }
    for (const SegmentEntry& segment : other->segments) {
      auto found = position_of.find(segment.file);
      if (found == position_of.end()) {
        position_of[segment.file] = table.segments.size();
        // Index files follow our index list: theirs of the same name and column, else none (exact search).
        SegmentEntry added = segment;
        added.index_files.assign(table.indexes.size(), "");
        for (size_t i = 0; i < table.indexes.size(); i++) {
          for (size_t j = 0; j < other->indexes.size() && j < segment.index_files.size(); j++) {
            if (other->indexes[j].name == table.indexes[i].name && other->indexes[j].column == table.indexes[i].column) {
              added.index_files[i] = segment.index_files[j];
            }
          }
        }
        table.segments.push_back(added);
        flags.push_back(flags_of(segment));
        theirs_only.push_back(true);
        touched.push_back(false);
        continue;
      }
      // A segment both sides have: combine deletions; a row both changed since the base conflicts.
      std::vector<uint8_t>& mine_flags = flags[found->second];
      const std::vector<uint8_t> their_flags = flags_of(segment);
      auto base_found = base_segments.find(segment.file);
      const std::vector<uint8_t> base_flags = base_found == base_segments.end() ? std::vector<uint8_t>(segment.row_count, 0) : flags_of(*base_found->second);
      size_t both = 0;
      for (size_t row = 0; row < mine_flags.size(); row++) {
        if (mine_flags[row] != base_flags[row] && their_flags[row] != base_flags[row]) both++;
        if (their_flags[row] && !mine_flags[row]) {
          mine_flags[row] = 1;
          touched[found->second] = true;
        }
      }
      if (both) {
        outcome.conflicts.push_back({name, "row", std::to_string(both) + " row(s) of segment " + segment.file + " were updated or deleted on both sides"});
      }
    }
    // Primary keys live on both sides after the merge.
    if (!table.schema.primary_key.empty()) {
      std::unordered_map<std::string, std::pair<size_t, size_t>> ours_keys;  // key → (segment, row)
      std::vector<std::tuple<std::string, size_t, size_t>> their_rows;
      for (size_t s = 0; s < table.segments.size(); s++) {
        Segment segment(directory + "/" + table.segments[s].file);
        std::vector<ColumnView> views;
        for (uint32_t index : table.schema.primary_key) views.push_back(segment.column(index));
        for (size_t row = 0; row < segment.row_count(); row++) {
          if (flags[s][row]) continue;
          std::string key;
          for (const ColumnView& view : views) append_primary_key_part(key, view, row);
          if (theirs_only[s]) {
            their_rows.emplace_back(std::move(key), s, row);
          } else {
            ours_keys.emplace(std::move(key), std::make_pair(s, row));
          }
        }
      }
      size_t clashes = 0;
      for (auto& [key, s, row] : their_rows) {
        auto found = ours_keys.find(key);
        if (found == ours_keys.end()) continue;
        clashes++;
        if (strategy == MergeStrategy::Ours) {
          flags[s][row] = 1;
          touched[s] = true;
        } else if (strategy == MergeStrategy::Theirs) {
          flags[found->second.first][found->second.second] = 1;
          touched[found->second.first] = true;
        }
      }
      if (clashes) {
        outcome.conflicts.push_back({name, "primary_key", std::to_string(clashes) + " primary key value(s) exist on both sides"});
      }
    }
    for (size_t s = 0; s < table.segments.size(); s++) {
      uint64_t deleted = 0;
      for (uint8_t flag : flags[s]) deleted += flag;
      if (touched[s]) {
        table.segments[s].deleted_count = deleted;
        rewritten.push_back({table_index, s, std::move(flags[s])});
      }
    }
    merged.tables.push_back(std::move(table));
  }
  if (!outcome.conflicts.empty() && strategy == MergeStrategy::Fail) return outcome;  // nothing written

  for (PendingDeletions& change : rewritten) {
    SegmentEntry& segment = merged.tables[change.table].segments[change.segment];
    if (segment.deleted_count == 0) {
      segment.deletions.clear();
      continue;
    }
    segment.deletions = segment.file + "." + new_id() + ".del";
    write_deletions(directory + "/" + segment.deletions, change.flags);
  }
  merged.id = new_id();
  merged.parent = into_id;
  merged.merge_parent = source_id;
  merged.kind = VersionKind::Merge;
  merged.message = "merge " + source + " into " + into;
  merged.time_micros = now_micros();
  uint32_t next_table = ours.next_table_id;
  for (const ManifestTable& table : merged.tables) next_table = std::max(next_table, table.schema.id + 1);
  merged.next_table_id = std::max(next_table, theirs.next_table_id);
  merged.tail_log.clear();
  merged.absorbed_logs.clear();
  write_file_atomically(path_ + "/manifests/" + merged.id, encode_manifest(merged), true);
  write_file_atomically(path_ + "/refs/heads/" + into, merged.id + "\n", true);
  if (into == branch_) load_branch(branch_);
  outcome.version = merged.id;
  return outcome;
}

std::string Database::optimize() {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  CommitGuard commit(*this);
  rebase_to_head();
  return compact_locked(VersionKind::Optimize, "optimize", false);
}

void Database::maybe_compact() {
  if (options_.compaction_threshold_segments == 0 || read_only()) return;
  for (const auto& [name, table] : tables_) {
    if (table->segment_entries.size() > options_.compaction_threshold_segments) {
      compact_locked(VersionKind::Optimize, "automatic compaction", true);
      return;
    }
  }
}

std::string Database::compact_locked(VersionKind kind, const std::string& message, bool only_when_needed) {
  CommitGuard commit(*this);
  rebase_to_head();
  if (has_pending()) seal_locked(VersionKind::Seal, "");
  Manifest next = manifest_;
  bool changed = false;
  const std::string directory = segments_directory();
  for (ManifestTable& entry : next.tables) {
    TableState& table = *tables_.at(entry.schema.name);
    uint64_t deleted = 0;
    for (const SegmentEntry& segment : entry.segments) deleted += segment.deleted_count;
    const bool needed = only_when_needed ? entry.segments.size() > options_.compaction_threshold_segments
                                         : entry.segments.size() > 1 || deleted > 0;
    if (!needed) continue;
    const size_t first = only_when_needed ? first_segment_to_merge(entry.segments, options_.compaction_threshold_segments) : 0;
    // One new segment with every live row of segments [first, end), in position order.
    std::vector<Column> columns;
    for (const ColumnSchema& column : entry.schema.columns) columns.emplace_back(column.type);
    std::vector<uint32_t> selection;
    for (size_t s = first; s < entry.segments.size(); s++) {
      std::shared_ptr<Segment> segment = table.segment(s, directory);
      auto flags = table.segment_deletions(s, directory);
      selection.clear();
      for (uint32_t row = 0; row < segment->row_count(); row++) {
        if (!flags || !(*flags)[row]) selection.push_back(row);
      }
      for (size_t c = 0; c < columns.size(); c++) columns[c].append_selected(segment->column(c), selection.data(), selection.size());
    }
    const size_t rows = columns.empty() ? 0 : columns[0].size();
    std::vector<SegmentEntry> segments(entry.segments.begin(), entry.segments.begin() + long(first));
    if (rows > 0) {
      SegmentEntry segment;
      segment.file = std::to_string(entry.schema.id) + "-" + new_id() + ".seg";
      segment.row_count = rows;
      std::vector<const Column*> pointers;
      for (const Column& column : columns) pointers.push_back(&column);
      write_segment(directory + "/" + segment.file, pointers, rows);
      if (!entry.indexes.empty()) {
        segment.index_files = build_indexes(entry.indexes, segment.file, [&](uint32_t column) { return columns[column].view(); }, nullptr);
      }
      segments.push_back(segment);
    }
    entry.segments = std::move(segments);
    changed = true;
  }
  if (!changed) return "";
  return publish_version(std::move(next), kind, message);
}

std::string Database::publish_version(Manifest next, VersionKind kind, const std::string& message) {
  // Callers computed `next` from the head under the commit lock, with nothing pending.
  CommitGuard commit(*this);
  next.id = new_id();
  next.parent = manifest_.id;
  next.merge_parent.clear();
  next.kind = kind;
  next.message = message;
  next.time_micros = now_micros();
  next.tail_log.clear();
  next.absorbed_logs.clear();
  write_file_atomically(path_ + "/manifests/" + next.id, encode_manifest(next), true);
  write_file_atomically(path_ + "/refs/heads/" + branch_, next.id + "\n", true);
  load_branch(branch_);  // row positions or indexes changed: rebuild every table's state from the new version
  return manifest_.id;
}

size_t Database::gc() {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  // Under the commit lock no other process is between writing files and naming them in a
  // version; logs of crashed sessions are taken in first.
  CommitGuard commit(*this);
  rebase_to_head();
  adopt_orphan_logs();
  // Every version reachable from a branch (time travel may visit any ancestor) and what it names.
  std::unordered_set<std::string> manifests;
  std::unordered_set<std::string> files;
  std::unordered_set<std::string> logs{manifest_.tail_log};
  std::deque<std::string> queue;
  for (const std::string& branch : list_branches(path_ + "/refs/heads")) {
    const std::string id = trim_line(read_file(path_ + "/refs/heads/" + branch));
    queue.push_back(id);
    logs.insert(read_manifest(id).tail_log);
  }
  queue.push_back(manifest_.id);
  while (!queue.empty()) {
    const std::string id = queue.front();
    queue.pop_front();
    if (id.empty() || !manifests.insert(id).second) continue;
    const Manifest manifest = read_manifest(id);
    for (const ManifestTable& table : manifest.tables) {
      for (const SegmentEntry& segment : table.segments) {
        files.insert(segment.file);
        if (!segment.deletions.empty()) files.insert(segment.deletions);
        for (const std::string& index_file : segment.index_files) {
          if (!index_file.empty()) files.insert(index_file);
        }
      }
    }
    queue.push_back(manifest.parent);
    queue.push_back(manifest.merge_parent);
  }
  // Live state of this handle (pending deletions are in its log; its tables' files are listed above).
  size_t removed = 0;
  for (const std::string& name : list_directory(path_ + "/manifests")) {
    if (!manifests.count(name)) {
      remove_file(path_ + "/manifests/" + name);
      removed++;
    }
  }
  for (const std::string& name : list_directory(path_ + "/segments")) {
    if (!files.count(name)) {
      remove_file(path_ + "/segments/" + name);
      removed++;
    }
  }
  for (const std::string& name : list_directory(indexes_directory())) {
    if (!files.count(name)) {
      remove_file(indexes_directory() + "/" + name);
      removed++;
    }
  }
  for (const std::string& name : list_directory(path_ + "/tail")) {
    // Session logs of live handles are flock'ed; the rest were taken in above (or kept as .conflict).
    if (logs.count(name) || name.size() < 4 || name.compare(name.size() - 4, 4, ".log") != 0) continue;
    FileLock alive;
    if (!alive.try_lock(path_ + "/tail/" + name)) continue;
    remove_file(path_ + "/tail/" + name);
    removed++;
  }
  return removed;
}

}  // namespace replaydb
