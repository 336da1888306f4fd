// Database: one open database directory. It owns the lock, the current version (manifest),
// each table's sealed segments and unsealed tail rows, and the tail log; it applies DDL and
// inserts atomically and durably, and seals the tail into segments plus a new version.
//
// Thread safety: statements may run on worker threads. Readers hold `read_lock()` for the
// whole statement; every mutation takes the exclusive lock itself. Segments are opened
// lazily (on first scan) under their table's own mutex, so opening a database reads only
// its manifest and tail log.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/column.hpp"
#include "store/files.hpp"
#include "store/key_index.hpp"
#include "store/manifest.hpp"
#include "store/schema.hpp"
#include "store/segment.hpp"

namespace replaydb {

struct VersionInfo {
  std::string id;
  std::string parent;
  std::string merge_parent;
  VersionKind kind = VersionKind::Commit;
  std::string message;
  int64_t time_micros = 0;
  std::vector<std::pair<std::string, uint64_t>> row_counts;  // live rows per table
};

struct TableDifference {
  std::string table;
  uint64_t added = 0;
  uint64_t removed = 0;
};

struct MergeConflict {
  std::string table;
  std::string kind;    // "row", "primary_key" or "schema"
  std::string detail;
};

enum class MergeStrategy { Fail, Ours, Theirs };

struct MergeOutcome {
  std::string version;  // the new version of `into`; empty when there were unresolved conflicts
  std::vector<MergeConflict> conflicts;
  bool up_to_date = false;
};

struct DatabaseOptions {
  /** fdatasync the tail log after every statement (open(dir, { sync: 'full' })). */
  bool sync_full = false;
  /** Create the directory and an empty database when it does not exist. */
  bool create = true;
  /** Seal the tail into segments once the tail log grows past this many bytes. */
  uint64_t seal_threshold_bytes = 64ull << 20;
  /** Branch to open (default: the one HEAD names). */
  std::string branch;
  /** Non-empty: open a read-only view of this version or branch (time travel); takes no lock. */
  std::string snapshot;
  /** Compact a table automatically once it has more than this many segments (0: never). */
  size_t compaction_threshold_segments = 32;
};

int64_t now_micros();
/** Time-ordered unique id: 13 hex digits of µs since the epoch, '-', 8 random hex digits. */
std::string new_id();
std::string trim_line(std::string text);

/** Where a row lives: a sealed segment (index) or the tail (segment == kTail). */
struct RowLocation {
  static constexpr size_t kTail = SIZE_MAX;
  size_t segment = kTail;
  size_t row = 0;
};

class TableState {
 public:
  TableState() : content_stamp_(next_content_stamp()) {}
  TableSchema schema;
  std::vector<SegmentEntry> segment_entries;
  std::vector<Column> tail;  // one per schema column
  size_t tail_rows = 0;
  /** One byte per tail row, 1 = deleted; empty when none is. */
  std::vector<uint8_t> tail_deleted;

  /** Live rows: every row in segments and tail, less deleted ones. */
  size_t row_count() const;
  /** Rows in segments and tail, deleted ones included: positions run from 0 to this. */
  size_t stored_rows() const;
  /** The sealed segment `index`, mapped on first use. */
  std::shared_ptr<Segment> segment(size_t index, const std::string& directory) const;
  /** Deletion flags of segment `index` (one byte per row), or null when none is deleted. */
  std::shared_ptr<const std::vector<uint8_t>> segment_deletions(size_t index, const std::string& directory) const;
  /** First position of segment `index`; the tail starts at segment_base(segment count). */
  uint64_t segment_base(size_t index) const;
  RowLocation locate(uint64_t position) const;
  /** Vector indexes of the table (CREATE INDEX … USING hnsw). */
  std::vector<IndexDefinition> indexes;
  /** Index `index` of segment `segment`, mapped on first use; null when that segment has no file for it. */
  std::shared_ptr<VectorIndex> segment_index(size_t segment, size_t index, const std::string& indexes_directory) const;
  /**
   * The primary key's index: encoded key (append_primary_key_part of each key column) →
   * position of the live row holding it. Built on first use (by a reader under the shared
   * lock or a writer under the exclusive one) and kept up to date by every change after.
   */
  const KeyIndex& primary_key_index(const std::string& segments_directory) const;
  /**
   * Unique in the process to this table's current rows: every change takes a new stamp, so
   * results derived from the rows can be cached under it.
   */
  uint64_t content_stamp() const { return content_stamp_; }

 private:
  friend class Database;
  mutable std::mutex segment_mutex_;
  mutable std::vector<std::shared_ptr<Segment>> segments_;
  mutable std::vector<std::shared_ptr<const std::vector<uint8_t>>> deletions_;
  mutable std::vector<bool> deletions_loaded_;
  mutable std::vector<std::vector<std::shared_ptr<VectorIndex>>> vector_indexes_;
  std::vector<bool> deletions_dirty_;  // changed since the manifest: written at the next seal
  static uint64_t next_content_stamp();
  uint64_t content_stamp_;
  mutable std::mutex primary_key_mutex_;  // readers may build the index concurrently
  mutable std::unique_ptr<KeyIndex> primary_keys_;
};

/** Appends the key encoding of one primary-key column value (u32 length + bytes, or the fixed bytes). */
void append_primary_key_part(std::string& key, const ColumnView& view, size_t row);

/** Encoded primary-key value of each of `rows` rows of schema-order `columns`. */
std::vector<std::string> primary_key_strings(const TableSchema& schema, const std::vector<Column>& columns, size_t rows);

/** Schema-order columns: the supplied ones, and each other column's DEFAULT or NULL. */
std::vector<Column> complete_columns(const TableSchema& schema, const std::vector<int>& target_columns,
                                     std::vector<Column> supplied, size_t row_count, int64_t now_micros);

/** What one DELETE, UPDATE or upsert does to a table: rows to delete, rows to append. */
struct Modification {
  std::vector<uint64_t> deleted;  // positions
  std::vector<Column> inserted;   // schema order; empty when nothing is appended
  size_t inserted_rows = 0;
};

class Database {
 public:
  static std::unique_ptr<Database> open(const std::string& path, const DatabaseOptions& options);
  ~Database();

  const std::string& path() const { return path_; }
  std::shared_lock<std::shared_mutex> read_lock() const { return std::shared_lock<std::shared_mutex>(mutex_); }
  /** Caller holds read_lock(). */
  const TableState* find_table(const std::string& name) const;
  /** Caller holds read_lock(). */
  std::vector<const TableState*> tables() const;
  /** Bumped by every schema change; lets the planner cache its catalog. */
  uint64_t schema_version() const { return schema_version_; }
  const std::string& version_id() const { return manifest_.id; }
  std::string segments_directory() const { return path_ + "/segments"; }

  /** Returns false (and changes nothing) when the table exists and `if_not_exists`. */
  bool create_table(TableSchema schema, bool if_not_exists);
  /** Drops every named table or none: an unknown name throws unless `if_exists`. */
  void drop_tables(const std::vector<std::string>& names, bool if_exists);
  /**
   * Appends `row_count` rows: `supplied[i]` holds the values of schema column
   * `target_columns[i]`; every other column gets its DEFAULT (NOW() meaning `now_micros`)
   * or NULL. Checks NOT NULL and the primary key, then writes one log record and applies
   * it; on any error nothing changes.
   */
  void insert(const std::string& table_name, const std::vector<int>& target_columns, std::vector<Column> supplied,
              size_t row_count, int64_t now_micros);
  /**
   * Runs `compute` under the exclusive lock (it may scan the table through the read API),
   * then checks and applies its Modification atomically: one log record. Deleting a row
   * twice is a no-op; appended rows are checked for NOT NULL and against the primary key
   * as it is after the deletions.
   */
  void modify(const std::string& table_name, const std::function<Modification(const TableState&)>& compute);
  /**
   * CREATE INDEX: builds an HNSW index over `definition.column` for every sealed segment
   * (rows still in the tail are searched exactly until they are sealed), then publishes a
   * new version naming them. Returns false when it exists and `if_not_exists`.
   */
  bool create_index(const std::string& table, IndexDefinition definition, bool if_not_exists);
  /** DROP INDEX: a new version without it; its files stay for older versions until gc(). */
  void drop_index(const std::string& name, bool if_exists);
  /** Rows indexed so far / to index in the running CREATE INDEX or seal (for progress reports). */
  std::pair<uint64_t, uint64_t> index_progress() const { return {index_done_.load(), index_total_.load()}; }
  std::string indexes_directory() const { return path_ + "/indexes"; }
  /** Seals every tail into segments and publishes a new version; returns its id. */
  std::string seal(VersionKind kind, const std::string& message);
  // Several processes (native/store/sessions.cpp).
  /**
   * Takes in the versions other processes committed to this branch since this handle last
   * looked: its own uncommitted changes are replayed on top. Costs one stat() when nothing
   * changed. Returns whether the view changed. Throws EngineError(serialization_failure)
   * naming the conflict if the uncommitted changes no longer apply (nothing changes then).
   */
  bool refresh();
  /** Discards this handle's uncommitted changes and takes in the branch's latest version. */
  void rollback();
  /** fdatasyncs the tail log. */
  void sync();
  // Versions and branches (native/store/versions.cpp).
  const std::string& current_branch() const { return branch_; }
  bool read_only() const { return !options_.snapshot.empty(); }
  /** A new branch at `from` (a branch or version id; empty: the current branch, sealed first). O(1): one manifest. */
  std::string create_branch(const std::string& name, const std::string& from);
  /** Seals the current branch's pending changes, then makes `name` current. */
  void checkout(const std::string& name);
  void delete_branch(const std::string& name);
  std::vector<std::string> branches() const;
  /** Versions from `branch_or_version` (empty: current) back through first parents, newest first. */
  std::vector<VersionInfo> log(const std::string& branch_or_version, size_t limit);
  /** Rows added and removed per table going from version/branch `from` to `to`. */
  std::vector<TableDifference> diff(const std::string& from, const std::string& to);
  /** Merges `source` into `into` (empty: current); conflicts fail unless a strategy resolves them. */
  MergeOutcome merge(const std::string& source, const std::string& into, MergeStrategy strategy);
  /** Rewrites each table's segments into one, dropping deleted rows; a new version. Empty when nothing to do. */
  std::string optimize();
  /** Removes files no version reachable from a branch refers to; returns how many. */
  size_t gc();

  /** Seals what is pending, syncs and releases the lock. Idempotent. */
  void close();
  bool is_closed() const { return closed_; }

 private:
  Database(std::string path, DatabaseOptions options) : path_(std::move(path)), options_(options) {}
  void initialize_directory();
  void load();
  /** Applies one log record; `rebase`: it was written against an older version, so check it as a new statement. */
  void apply_record(std::string_view payload, const std::string& file, bool rebase = false);
  /** Frames and writes a record built after kRecordHeaderBytes of reserved space. */
  void append_record(std::string& record);
  TableState* find_table_mutable(const std::string& name);
  void check_not_null(const TableState& table, const std::vector<Column>& columns) const;
  /** Applies a validated modification (live, or replayed from the log). */
  void apply_modification(TableState& table, const std::vector<uint64_t>& deleted, std::vector<Column> inserted, size_t rows);
  std::string key_at(const TableState& table, uint64_t position) const;
  bool is_deleted(const TableState& table, uint64_t position) const;
  void check_tail_capacity(const TableState& table, const std::vector<Column>& columns) const;
  /** Runs `apply`; if it throws, truncates the tail log back to `log_size` and rethrows. */
  void apply_or_undo(uint64_t log_size, const std::function<void()>& apply);
  /** Throws unique_violation if `columns` repeat a key, or take one still present after `deleted` go. */
  void check_primary_key(TableState& table, const std::vector<uint64_t>& deleted, const std::vector<Column>& columns, size_t rows);
  void seal_locked(VersionKind kind, const std::string& message);
  void check_open() const;
  void check_writable() const;
  /** Manifest id of a branch or a version id; EngineError(undefined_object) if neither. */
  std::string resolve(const std::string& branch_or_version) const;
  Manifest read_manifest(const std::string& id) const;
  bool has_pending() const;
  void load_branch(const std::string& branch);
  void reset_state(const Manifest& manifest);
  void maybe_compact();
  // Sessions (sessions.cpp).
  /** Holds LOCK (commits, ref changes) while alive; nests within one handle. */
  class CommitGuard {
   public:
    explicit CommitGuard(Database& database);
    ~CommitGuard();
    CommitGuard(const CommitGuard&) = delete;
    CommitGuard& operator=(const CommitGuard&) = delete;

   private:
    Database& database_;
  };
  /** Starts a new session log for branch_ (file, Session record, flock) and makes it current; removes the previous one if `remove_previous`. */
  void start_session(bool remove_previous);
  /** Closes and unlocks the session log; removes it when it holds nothing uncommitted. */
  void end_session();
  /** Rebases this handle's uncommitted records onto the branch's head if another process moved it. Caller holds mutex_ exclusively. */
  void rebase_to_head();
  /** Replays `records` (payloads of a log) over the current state; `rebase`: check them against it as new statements. */
  void replay(const std::vector<std::string>& records, const std::string& file, bool rebase);
  /** Takes in the logs of sessions that ended without committing (crashed processes). Caller holds the commit lock. */
  void adopt_orphan_logs();
  /** Whether a version of `branch` since the log was created took in log `name`. */
  bool log_absorbed(const std::string& branch, const std::string& name) const;
  /** Seals the tails into a new version of branch_ naming `absorbed`; no session handling. Caller holds the commit lock. */
  void write_version(VersionKind kind, const std::string& message, const std::vector<std::string>& absorbed);
  void note_ref_stamp();
  /**
   * Publishes `next` (a changed copy of the current manifest) as the branch's new version:
   * new id, parent, kind, message, an empty tail log; manifest, then the ref swap; then the
   * state is reloaded from it. Pending changes must have been sealed first.
   */
  std::string publish_version(Manifest next, VersionKind kind, const std::string& message);
  std::string compact_locked(VersionKind kind, const std::string& message, bool only_when_needed);

  std::string path_;
  DatabaseOptions options_;
  mutable std::shared_mutex mutex_;
  FileLock commit_lock_;   // LOCK, held only while committing
  SharedCounter commits_;  // COMMITS: moves whenever a process releases LOCK
  int commit_depth_ = 0;   // nested CommitGuards
  FileLock session_lock_;  // flock on this handle's session log: tells others it is alive
  struct RefStamp {
    uint64_t inode = 0, size = 0;
    int64_t modified_ns = 0;
    bool operator==(const RefStamp& other) const { return inode == other.inode && size == other.size && modified_ns == other.modified_ns; }
  };
  RefStamp ref_stamp_;  // of refs/heads/<branch_> when last read
  /** While replaying a log: the tables its CreateTable records made. */
  std::unordered_set<std::string> replay_created_tables_;
  std::string branch_ = "main";
  Manifest manifest_;
  std::map<std::string, std::unique_ptr<TableState>> tables_;
  uint32_t next_table_id_ = 1;
  AppendFile tail_log_;
  uint64_t schema_version_ = 1;
  /** Builds the table's indexes for one segment's rows; returns the file names (parallel to definitions). */
  std::vector<std::string> build_indexes(const std::vector<IndexDefinition>& definitions, const std::string& segment_file,
                                         const std::function<ColumnView(uint32_t)>& column, const uint8_t* deleted);
  std::atomic<uint64_t> index_done_{0};
  std::atomic<uint64_t> index_total_{0};
  bool tail_dirty_ = false;        // records written since the last fdatasync
  bool unsealed_records_ = false;  // the tail log holds records not yet sealed
  std::string deletions_path(const std::string& name) const { return path_ + "/segments/" + name; }
  std::string record_buffer_;  // reused by insert(); guarded by the exclusive lock
  bool closed_ = false;
};

}  // namespace replaydb
