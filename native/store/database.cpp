// Opening, mutating, sealing and closing a database directory (layout in FORMAT.md).
#include "store/database.hpp"

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <random>
#include <tuple>

#include "common/error.hpp"
#include "store/deletions.hpp"
#include "store/refs.hpp"
#include "store/tail_log.hpp"

namespace replaydb {
namespace {

constexpr const char* kMarkerFile = "REPLAYDB";
constexpr const char* kMarkerText = "replaydb database\nformat 2\n";
/** Format 1: one writing process; its files are read, and a writable open upgrades the marker. */
constexpr const char* kMarkerTextV1 = "replaydb database\nformat 1\n";

}  // namespace

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/** Time-ordered unique id: 13 hex digits of µs since the epoch, '-', 8 random hex digits. */
std::string new_id() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%013llx-%08llx", static_cast<unsigned long long>(now_micros()),
                static_cast<unsigned long long>(random() & 0xffffffffull));
  return buffer;
}

std::string trim_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

void append_primary_key_part(std::string& key, const ColumnView& view, size_t row) {
  if (view.type.is_variable_width()) {
    std::string_view bytes = view.bytes(row);
    const uint32_t length = uint32_t(bytes.size());
    key.append(reinterpret_cast<const char*>(&length), 4);
    key.append(bytes.data(), bytes.size());
  } else {
    key.append(reinterpret_cast<const char*>(view.fixed(row)), view.type.width());
  }
}

std::vector<Column> complete_columns(const TableSchema& schema, const std::vector<int>& target_columns,
                                     std::vector<Column> supplied, size_t row_count, int64_t now_micros) {
  if (target_columns.size() != supplied.size()) throw EngineError("internal_error", "insert targets do not match its columns");
  std::vector<int> source(schema.columns.size(), -1);
  for (size_t i = 0; i < target_columns.size(); i++) {
    const int index = target_columns[i];
    if (index < 0 || size_t(index) >= schema.columns.size() || supplied[i].type() != schema.columns[index].type ||
        supplied[i].size() != row_count) {
      throw EngineError("internal_error", "insert columns do not match the table (was it altered meanwhile?)");
    }
    source[index] = int(i);
  }
  std::vector<Column> columns;
  columns.reserve(schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); c++) {
    if (source[c] >= 0) {
      columns.push_back(std::move(supplied[source[c]]));
      continue;
    }
    const ColumnSchema& column_schema = schema.columns[c];
    Column column(column_schema.type);
    column.reserve(row_count);
    Value fill;
    if (column_schema.default_kind == DefaultKind::Constant) {
      fill = column_schema.default_value;
    } else if (column_schema.default_kind == DefaultKind::Now) {
      fill = Value::of_integer(TypeId::Timestamp, now_micros);
    }
    for (size_t r = 0; r < row_count; r++) append_value(column, fill);
    columns.push_back(std::move(column));
  }
  return columns;
}

std::vector<std::string> primary_key_strings(const TableSchema& schema, const std::vector<Column>& columns, size_t rows) {
  std::vector<std::string> keys(rows);
  for (uint32_t index : schema.primary_key) {
    const ColumnView view = columns[index].view();
    for (size_t row = 0; row < rows; row++) append_primary_key_part(keys[row], view, row);
  }
  return keys;
}

size_t TableState::stored_rows() const {
  size_t rows = tail_rows;
  for (const SegmentEntry& entry : segment_entries) rows += entry.row_count;
  return rows;
}

size_t TableState::row_count() const {
  size_t deleted = 0;
  for (const SegmentEntry& entry : segment_entries) deleted += entry.deleted_count;
  for (uint8_t flag : tail_deleted) deleted += flag;
  return stored_rows() - deleted;
}

uint64_t TableState::segment_base(size_t index) const {
  uint64_t base = 0;
  for (size_t s = 0; s < index && s < segment_entries.size(); s++) base += segment_entries[s].row_count;
  return base;
}

RowLocation TableState::locate(uint64_t position) const {
  RowLocation location;
  for (size_t s = 0; s < segment_entries.size(); s++) {
    if (position < segment_entries[s].row_count) {
      location.segment = s;
      location.row = size_t(position);
      return location;
    }
    position -= segment_entries[s].row_count;
  }
  location.row = size_t(position);
  return location;
}

std::shared_ptr<Segment> TableState::segment(size_t index, const std::string& directory) const {
  std::lock_guard<std::mutex> guard(segment_mutex_);
  if (segments_.size() < segment_entries.size()) segments_.resize(segment_entries.size());
  if (!segments_[index]) {
    auto segment = std::make_shared<Segment>(directory + "/" + segment_entries[index].file);
    if (segment->row_count() != segment_entries[index].row_count || segment->column_count() != schema.columns.size()) {
      throw corrupt_file(segment->path(), "segment does not match its manifest entry");
    }
    for (size_t c = 0; c < schema.columns.size(); c++) {
      if (segment->info(c).type != schema.columns[c].type) throw corrupt_file(segment->path(), "segment column types do not match the schema");
    }
    segments_[index] = std::move(segment);
  }
  return segments_[index];
}

std::shared_ptr<const std::vector<uint8_t>> TableState::segment_deletions(size_t index, const std::string& directory) const {
  std::lock_guard<std::mutex> guard(segment_mutex_);
  if (deletions_.size() < segment_entries.size()) {
    deletions_.resize(segment_entries.size());
    deletions_loaded_.resize(segment_entries.size(), false);
  }
  if (!deletions_loaded_[index]) {
    const SegmentEntry& entry = segment_entries[index];
    if (!entry.deletions.empty()) {
      deletions_[index] = std::make_shared<const std::vector<uint8_t>>(read_deletions(directory + "/" + entry.deletions, entry.row_count));
    }
    deletions_loaded_[index] = true;
  }
  return deletions_[index];
}

std::unique_ptr<Database> Database::open(const std::string& path, const DatabaseOptions& options) {
  std::unique_ptr<Database> database(new Database(path, options));
  const bool snapshot = !options.snapshot.empty();
  if (!file_exists(path)) {
    if (!options.create || snapshot) throw StorageError("undefined_object", path, "database does not exist");
    make_directories(path);
  }
  if (!is_directory(path)) throw StorageError("io_error", path, "not a directory");
  const std::string marker = path + "/" + kMarkerFile;
  if (!file_exists(marker)) {
    if (snapshot) throw StorageError("undefined_object", path, "directory is not empty and is not a replaydb database");
    // Only LOCK and a marker being written may be here: another process may be creating the
    // database right now. Creators take LOCK, so exactly one writes the marker.
    for (const std::string& name : list_directory(path)) {
      if (name != "LOCK" && name.rfind(std::string(kMarkerFile) + ".tmp-", 0) != 0) {
        throw StorageError("undefined_object", path, "directory is not empty and is not a replaydb database");
      }
    }
    Database::CommitGuard creating(*database);
    if (!file_exists(marker)) {
      // A crash while creating the database can leave the marker's temporary file behind.
      for (const std::string& name : list_directory(path)) {
        if (name.rfind(std::string(kMarkerFile) + ".tmp-", 0) == 0) remove_file(path + "/" + name);
      }
      write_file_atomically(marker, kMarkerText, true);
    }
  } else {
    const std::string text = read_file(marker);
    if (text.rfind("replaydb database\n", 0) != 0) throw corrupt_file(marker, "unrecognised database marker");
    if (text != kMarkerText && text != kMarkerTextV1) {
      throw StorageError("feature_not_supported", marker, "database format \"" + text.substr(18) + "\" is not supported by this version");
    }
    if (text == kMarkerTextV1 && !snapshot) {
      // This process writes manifest 5 and session logs, which format-1 code cannot read:
      // the marker says so first, so that such code refuses the directory.
      Database::CommitGuard upgrading(*database);
      write_file_atomically(marker, kMarkerText, true);
    }
  }
  if (snapshot) {
    // A read-only view of one version: no lock, no tail log of its own.
    database->closed_ = true;  // until fully loaded: a failure must not seal anything
    database->manifest_ = database->read_manifest(database->resolve(options.snapshot));
    database->branch_ = options.snapshot;
    database->reset_state(database->manifest_);
    // Format 4 and older: the one writer's uncommitted rows continued the version.
    const std::string log_path = path + "/tail/" + database->manifest_.tail_log;
    if (!database->manifest_.tail_log.empty() && file_exists(log_path)) {
      for (const std::string& record : read_tail_log(log_path).records) database->apply_record(record, log_path);
    }
    database->closed_ = false;
    return database;
  }
  try {
    database->commits_.open(path + "/COMMITS");
    Database::CommitGuard commit(*database);
    if (!file_exists(path + "/HEAD")) database->initialize_directory();
    std::string branch = options.branch.empty() ? trim_line(read_file(path + "/HEAD")) : options.branch;
    check_branch_name(branch);
    database->adopt_orphan_logs();
    if (!file_exists(path + "/refs/heads/" + branch)) {
      throw EngineError("undefined_object", "branch \"" + branch + "\" does not exist");
    }
    database->load_branch(branch);
  } catch (...) {
    // Never seal a half-replayed state: the destructor must leave the files as they are.
    database->closed_ = true;
    database->end_session();
    throw;
  }
  return database;
}

Database::~Database() {
  try {
    close();
  } catch (...) {
    // Destructors must not throw; whatever was written to the log is replayed on next open.
  }
}

void Database::initialize_directory() {
  make_directories(path_ + "/refs/heads");
  make_directories(path_ + "/manifests");
  make_directories(path_ + "/segments");
  make_directories(path_ + "/tail");
  Manifest manifest;
  manifest.id = new_id();
  manifest.kind = VersionKind::Create;
  manifest.time_micros = now_micros();
  write_file_atomically(path_ + "/manifests/" + manifest.id, encode_manifest(manifest), true);
  write_file_atomically(path_ + "/refs/heads/main", manifest.id + "\n", true);
  write_file_atomically(path_ + "/HEAD", "main\n", true);
}

void Database::reset_state(const Manifest& manifest) {
  next_table_id_ = manifest.next_table_id;
  tables_.clear();
  for (const ManifestTable& entry : manifest.tables) {
    auto table = std::make_unique<TableState>();
    table->schema = entry.schema;
    table->segment_entries = entry.segments;
    table->indexes = entry.indexes;
    for (const ColumnSchema& column : table->schema.columns) table->tail.emplace_back(column.type);
    tables_[table->schema.name] = std::move(table);
  }
  schema_version_++;
}

void Database::load_branch(const std::string& branch) {
  const std::string ref_path = path_ + "/refs/heads/" + branch;
  if (!file_exists(ref_path)) throw corrupt_file(ref_path, "the branch has no ref");
  const std::string id = trim_line(read_file(ref_path));
  manifest_ = read_manifest(id);
  // Uncommitted records were sealed (or are being discarded) by the caller: a session of
  // another branch, or one holding records, starts over.
  const bool new_session = !tail_log_.is_open() || branch != branch_ || unsealed_records_;
  branch_ = branch;
  note_ref_stamp();
  reset_state(manifest_);
  if (new_session) start_session(true);
  unsealed_records_ = false;
  tail_dirty_ = false;
}

Manifest Database::read_manifest(const std::string& id) const {
  const std::string manifest_path = path_ + "/manifests/" + id;
  if (!file_exists(manifest_path)) throw corrupt_file(manifest_path, "manifest is missing");
  return decode_manifest(read_file(manifest_path), manifest_path);
}

std::string Database::resolve(const std::string& branch_or_version) const {
  if (branch_or_version.empty()) return manifest_.id;
  bool is_branch = true;
  try {
    check_branch_name(branch_or_version);
  } catch (const EngineError&) {
    is_branch = false;
  }
  if (is_branch && file_exists(path_ + "/refs/heads/" + branch_or_version)) {
    return trim_line(read_file(path_ + "/refs/heads/" + branch_or_version));
  }
  // Version ids are hex digits and one '-': nothing that could leave manifests/.
  const bool id_like = !branch_or_version.empty() && branch_or_version.size() <= 64 &&
                       branch_or_version.find_first_not_of("0123456789abcdef-") == std::string::npos;
  if (id_like && file_exists(path_ + "/manifests/" + branch_or_version)) return branch_or_version;
  throw EngineError("undefined_object", "no branch or version named \"" + branch_or_version + "\"");
}

bool Database::has_pending() const {
  if (unsealed_records_) return true;
  for (const auto& [name, table] : tables_) {
    if (table->tail_rows > 0) return true;
    for (bool dirty : table->deletions_dirty_) {
      if (dirty) return true;
    }
  }
  return false;
}

void Database::apply_record(std::string_view payload, const std::string& file, bool rebase) {
  ByteReader in(payload, file);
  const uint8_t kind = in.get<uint8_t>();
  auto conflict = [&](const std::string& what) {
    throw EngineError("serialization_failure", "uncommitted changes conflict with a version another process committed: " + what);
  };
  // Records name a table and the id it had when written. A committed table's id never
  // changes, so on a rebase another id means another process dropped it and created one of
  // the same name meanwhile; tables this log created are matched by name (a rebase may
  // have given them another id).
  auto table_named = [&](ByteReader& in) {
    const std::string name = in.get_string();
    const uint32_t id = in.get<uint32_t>();
    TableState* table = find_table_mutable(name);
    if (!table && rebase) conflict("table \"" + name + "\" was dropped");
    if (!table) throw corrupt_file(file, "record for unknown table \"" + name + "\"");
    if (table->schema.id != id && !replay_created_tables_.count(name)) {
      if (rebase) conflict("table \"" + name + "\" was dropped and created again");
      throw corrupt_file(file, "record for table \"" + name + "\" names another table id");
    }
    return table;
  };
  // Appended rows take keys as a new statement would, but a taken key is a conflict here.
  auto check_keys_on_rebase = [&](TableState& table, const std::vector<uint64_t>& deleted, const std::vector<Column>& columns, size_t rows) {
    try {
      check_primary_key(table, deleted, columns, rows);
    } catch (const EngineError& error) {
      conflict(error.what());
    }
  };
  switch (RecordKind(kind)) {
    case RecordKind::Session:
      break;  // names the branch the log's session wrote to (read by adopt_orphan_logs)
    case RecordKind::CreateTable: {
      TableSchema schema = read_schema(in);
      if (rebase) {
        if (const TableState* existing = find_table(schema.name)) {
          // Another process created the same table meanwhile: fine if it is the same table.
          TableSchema same = schema;
          same.id = existing->schema.id;
          if (schema_bytes(same) != schema_bytes(existing->schema)) conflict("table \"" + schema.name + "\" was created with other columns");
          replay_created_tables_.insert(schema.name);
          break;
        }
        for (const auto& [name, table] : tables_) {
          if (table->schema.id == schema.id) schema.id = next_table_id_;  // the id was taken meanwhile
        }
      }
      replay_created_tables_.insert(schema.name);
      auto table = std::make_unique<TableState>();
      table->schema = schema;
      for (const ColumnSchema& column : schema.columns) table->tail.emplace_back(column.type);
      next_table_id_ = std::max(next_table_id_, schema.id + 1);
      tables_[schema.name] = std::move(table);
      schema_version_++;
      break;
    }
    case RecordKind::DropTable: {
      const uint32_t count = in.get<uint32_t>();
      for (uint32_t i = 0; i < count; i++) tables_.erase(in.get_string());
      schema_version_++;
      break;
    }
    case RecordKind::InsertInto: {
      TableState* target = table_named(in);
      std::vector<Column> columns = decode_insert_columns(in, target->schema);
      const size_t rows = columns.empty() ? 0 : columns[0].size();
      if (rebase) check_keys_on_rebase(*target, {}, columns, rows);
      apply_modification(*target, {}, std::move(columns), rows);
      break;
    }
    case RecordKind::ModifyRows: {
      TableState* target = table_named(in);
      std::vector<uint64_t> deleted;
      const uint32_t groups = in.get<uint32_t>();
      for (uint32_t g = 0; g < groups; g++) {
        const std::string segment_file = in.get_string();
        const uint64_t count = in.get<uint64_t>();
        if (count > in.remaining() / 8) throw corrupt_file(file, "modify record deletion count out of range");
        uint64_t base = target->segment_base(target->segment_entries.size());
        uint64_t limit = target->tail_rows;
        if (!segment_file.empty()) {
          size_t s = 0;
          while (s < target->segment_entries.size() && target->segment_entries[s].file != segment_file) s++;
          if (s == target->segment_entries.size()) {
            if (rebase) conflict("rows deleted or updated in \"" + target->schema.name + "\" were rewritten by a compaction");
            throw corrupt_file(file, "modify record names a segment the table does not have");
          }
          base = target->segment_base(s);
          limit = target->segment_entries[s].row_count;
        }
        for (uint64_t i = 0; i < count; i++) {
          const uint64_t row = in.get<uint64_t>();
          if (row >= limit) throw corrupt_file(file, "modify record deletes a row that does not exist");
          if (rebase && is_deleted(*target, base + row)) {
            conflict("a row deleted or updated in \"" + target->schema.name + "\" was deleted or updated by another process");
          }
          deleted.push_back(base + row);
        }
      }
      std::vector<Column> columns;
      size_t rows = 0;
      if (in.get<uint8_t>() != 0) {
        columns = decode_insert_columns(in, target->schema);
        rows = columns.empty() ? 0 : columns[0].size();
        if (rebase) check_keys_on_rebase(*target, deleted, columns, rows);
      }
      apply_modification(*target, deleted, std::move(columns), rows);
      break;
    }
    case RecordKind::Insert:
    case RecordKind::Modify: {
      // Format 2 (one writer): tables by id, deletions by position in the version the log continues.
      const uint32_t table_id = in.get<uint32_t>();
      TableState* target = nullptr;
      for (auto& [name, table] : tables_) {
        if (table->schema.id == table_id) target = table.get();
      }
      if (!target) throw corrupt_file(file, "record for unknown table id " + std::to_string(table_id));
      std::vector<uint64_t> deleted;
      bool has_insert = true;
      if (RecordKind(kind) == RecordKind::Modify) {
        const uint64_t count = in.get<uint64_t>();
        if (count > in.remaining() / 8) throw corrupt_file(file, "modify record deletion count out of range");
        deleted.resize(count);
        for (uint64_t& position : deleted) {
          position = in.get<uint64_t>();
          if (position >= target->stored_rows()) throw corrupt_file(file, "modify record deletes a row that does not exist");
        }
        has_insert = in.get<uint8_t>() != 0;
      }
      std::vector<Column> columns;
      size_t rows = 0;
      if (has_insert) {
        columns = decode_insert_columns(in, target->schema);
        rows = columns.empty() ? 0 : columns[0].size();
      }
      apply_modification(*target, deleted, std::move(columns), rows);
      break;
    }
    default:
      throw corrupt_file(file, "unknown tail log record kind " + std::to_string(kind));
  }
}

void Database::check_open() const {
  if (closed_) throw EngineError("connection_closed", "the database is closed");
}

void Database::check_writable() const {
  check_open();
  if (read_only()) throw EngineError("read_only_sql_transaction", "cannot change a read-only view of version " + manifest_.id);
}

void Database::append_record(std::string& record) {
  finish_record(record);
  tail_log_.write_all(record);
  unsealed_records_ = true;
  if (options_.sync_full) {
    tail_log_.sync();
  } else {
    tail_dirty_ = true;
  }
}

const TableState* Database::find_table(const std::string& name) const {
  auto found = tables_.find(name);
  return found == tables_.end() ? nullptr : found->second.get();
}

TableState* Database::find_table_mutable(const std::string& name) {
  auto found = tables_.find(name);
  return found == tables_.end() ? nullptr : found->second.get();
}

std::vector<const TableState*> Database::tables() const {
  std::vector<const TableState*> out;
  for (const auto& [name, table] : tables_) out.push_back(table.get());
  return out;
}

bool Database::create_table(TableSchema schema, bool if_not_exists) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  if (tables_.count(schema.name)) {
    if (if_not_exists) return false;
    throw EngineError("duplicate_table", "relation \"" + schema.name + "\" already exists");
  }
  schema.id = next_table_id_;
  std::string record = start_record();
  ByteWriter out(record);
  out.put<uint8_t>(uint8_t(RecordKind::CreateTable));
  write_schema(out, schema);
  append_record(record);
  apply_record(std::string_view(record).substr(kRecordHeaderBytes), tail_log_.path());
  return true;
}

void Database::drop_tables(const std::vector<std::string>& names, bool if_exists) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  std::vector<std::string> present;
  for (const std::string& name : names) {
    if (tables_.count(name)) {
      present.push_back(name);
    } else if (!if_exists) {
      throw EngineError("undefined_table", "table \"" + name + "\" does not exist");
    }
  }
  if (present.empty()) return;
  std::string record = start_record();
  ByteWriter out(record);
  out.put<uint8_t>(uint8_t(RecordKind::DropTable));
  out.put<uint32_t>(uint32_t(present.size()));
  for (const std::string& name : present) out.put_string(name);
  append_record(record);
  apply_record(std::string_view(record).substr(kRecordHeaderBytes), tail_log_.path());
}

void Database::check_not_null(const TableState& table, const std::vector<Column>& columns) const {
  for (size_t c = 0; c < columns.size(); c++) {
    if (table.schema.columns[c].not_null && columns[c].has_nulls() && columns[c].null_count() > 0) {
      throw EngineError("not_null_violation", "null value in column \"" + table.schema.columns[c].name + "\" of relation \"" +
                                                  table.schema.name + "\" violates not-null constraint");
    }
  }
}

const KeyIndex& TableState::primary_key_index(const std::string& directory) const {
  std::lock_guard<std::mutex> guard(primary_key_mutex_);
  if (primary_keys_) return *primary_keys_;
  auto keys = std::make_unique<KeyIndex>();
  keys->reserve(stored_rows());
  uint64_t base = 0;
  for (size_t s = 0; s < segment_entries.size(); s++) {
    std::shared_ptr<Segment> sealed = segment(s, directory);
    auto deleted = segment_deletions(s, directory);
    std::vector<ColumnView> views;
    for (uint32_t index : schema.primary_key) views.push_back(sealed->column(index));
    std::string key;
    for (size_t row = 0; row < sealed->row_count(); row++) {
      if (deleted && (*deleted)[row]) continue;
      key.clear();
      for (const ColumnView& view : views) append_primary_key_part(key, view, row);
      keys->assign(key, base + row);
    }
    base += sealed->row_count();
  }
  std::vector<std::string> tail_keys = primary_key_strings(schema, tail, tail_rows);
  for (size_t row = 0; row < tail_keys.size(); row++) {
    if (row < tail_deleted.size() && tail_deleted[row]) continue;
    keys->assign(tail_keys[row], base + row);
  }
  primary_keys_ = std::move(keys);
  return *primary_keys_;
}

void Database::insert(const std::string& table_name, const std::vector<int>& target_columns, std::vector<Column> supplied,
                      size_t row_count, int64_t now_micros) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  TableState* table = find_table_mutable(table_name);
  if (!table) throw EngineError("undefined_table", "relation \"" + table_name + "\" does not exist");
  if (row_count == 0) return;
  std::vector<Column> columns = complete_columns(table->schema, target_columns, std::move(supplied), row_count, now_micros);
  check_not_null(*table, columns);
  check_primary_key(*table, {}, columns, row_count);

  // One buffer for every insert record: large statements then reuse warm pages.
  check_tail_capacity(*table, columns);
  std::string& record = record_buffer_;
  record.assign(kRecordHeaderBytes, '\0');
  encode_insert_record(record, table->schema.name, table->schema.id, columns, row_count);
  const uint64_t log_size = tail_log_.size();
  append_record(record);
  apply_or_undo(log_size, [&] { apply_modification(*table, {}, std::move(columns), row_count); });
  if (tail_log_.size() > options_.seal_threshold_bytes) seal_locked(VersionKind::Seal, "");
}

void Database::check_primary_key(TableState& table, const std::vector<uint64_t>& deleted, const std::vector<Column>& columns,
                                 size_t rows) {
  if (table.schema.primary_key.empty() || rows == 0) return;
  table.primary_key_index(segments_directory());
  std::unordered_set<std::string> removed;
  for (uint64_t position : deleted) removed.insert(key_at(table, position));
  std::unordered_set<std::string> seen;
  for (std::string& key : primary_key_strings(table.schema, columns, rows)) {
    const bool taken = table.primary_keys_->contains(key) && !removed.count(key);
    if (taken || !seen.insert(std::move(key)).second) {
      std::string names;
      for (uint32_t index : table.schema.primary_key) names += (names.empty() ? "" : ", ") + table.schema.columns[index].name;
      throw EngineError("unique_violation",
                        "duplicate key value violates primary key of \"" + table.schema.name + "\": key (" + names + ") already exists");
    }
  }
}

void Database::modify(const std::string& table_name, const std::function<Modification(const TableState&)>& compute) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  TableState* table = find_table_mutable(table_name);
  if (!table) throw EngineError("undefined_table", "relation \"" + table_name + "\" does not exist");
  if (!table->schema.primary_key.empty()) table->primary_key_index(segments_directory());
  Modification change = compute(*table);
  // Deleting a row twice (or a row already deleted) changes nothing.
  std::sort(change.deleted.begin(), change.deleted.end());
  change.deleted.erase(std::unique(change.deleted.begin(), change.deleted.end()), change.deleted.end());
  std::vector<uint64_t> deleted;
  for (uint64_t position : change.deleted) {
    if (position >= table->stored_rows()) throw EngineError("internal_error", "modification deletes a row that does not exist");
    if (!is_deleted(*table, position)) deleted.push_back(position);
  }
  if (change.inserted_rows > 0) {
    if (change.inserted.size() != table->schema.columns.size()) throw EngineError("internal_error", "modification has the wrong columns");
    check_tail_capacity(*table, change.inserted);
    check_not_null(*table, change.inserted);
    check_primary_key(*table, deleted, change.inserted, change.inserted_rows);
  }
  if (deleted.empty() && change.inserted_rows == 0) return;
  std::string& record = record_buffer_;
  record.assign(kRecordHeaderBytes, '\0');
  ByteWriter out(record);
  out.put<uint8_t>(uint8_t(RecordKind::ModifyRows));
  out.put_string(table->schema.name);
  out.put<uint32_t>(table->schema.id);
  // Deleted rows by segment file and row (positions are sorted, so each segment's rows are together).
  std::vector<std::pair<std::string, std::vector<uint64_t>>> groups;
  size_t current_segment = SIZE_MAX - 1;
  for (uint64_t position : deleted) {
    const RowLocation location = table->locate(position);
    if (groups.empty() || location.segment != current_segment) {
      groups.emplace_back(location.segment == RowLocation::kTail ? std::string() : table->segment_entries[location.segment].file,
                          std::vector<uint64_t>());
      current_segment = location.segment;
    }
    groups.back().second.push_back(location.row);
  }
  out.put<uint32_t>(uint32_t(groups.size()));
  for (const auto& [file, rows] : groups) {
    out.put_string(file);
    out.put<uint64_t>(rows.size());
    for (uint64_t row : rows) out.put<uint64_t>(row);
  }
  out.put<uint8_t>(change.inserted_rows > 0 ? 1 : 0);
  if (change.inserted_rows > 0) encode_insert_columns(record, change.inserted, change.inserted_rows);
  const uint64_t log_size = tail_log_.size();
  append_record(record);
  apply_or_undo(log_size, [&] { apply_modification(*table, deleted, std::move(change.inserted), change.inserted_rows); });
  if (tail_log_.size() > options_.seal_threshold_bytes) seal_locked(VersionKind::Seal, "");
}

void Database::check_tail_capacity(const TableState& table, const std::vector<Column>& columns) const {
  for (size_t c = 0; c < columns.size(); c++) {
    if (columns[c].type().is_variable_width() && uint64_t(table.tail[c].data().size()) + columns[c].data().size() > UINT32_MAX) {
      throw EngineError("program_limit_exceeded", "column \"" + table.schema.columns[c].name +
                                                      "\" would pass 4 GiB of unsealed text; commit more often or insert less per statement");
    }
  }
}

void Database::apply_or_undo(uint64_t log_size, const std::function<void()>& apply) {
  try {
    apply();
  } catch (...) {
    // The statement failed after its record was written: cut the record so it never replays.
    try {
      tail_log_.truncate(log_size);
    } catch (...) {
    }
    throw;
  }
}

bool Database::is_deleted(const TableState& table, uint64_t position) const {
  const RowLocation location = table.locate(position);
  if (location.segment == RowLocation::kTail) return location.row < table.tail_deleted.size() && table.tail_deleted[location.row];
  auto flags = table.segment_deletions(location.segment, segments_directory());
  return flags && (*flags)[location.row];
}

std::string Database::key_at(const TableState& table, uint64_t position) const {
  const RowLocation location = table.locate(position);
  std::string key;
  for (uint32_t index : table.schema.primary_key) {
    if (location.segment == RowLocation::kTail) {
      append_primary_key_part(key, table.tail[index].view(), location.row);
    } else {
      append_primary_key_part(key, table.segment(location.segment, segments_directory())->column(index), location.row);
    }
  }
  return key;
}

uint64_t TableState::next_content_stamp() {
  static std::atomic<uint64_t> stamps{0};
  return ++stamps;
}

void Database::apply_modification(TableState& table, const std::vector<uint64_t>& deleted, std::vector<Column> inserted, size_t rows) {
  table.content_stamp_ = TableState::next_content_stamp();
  for (uint64_t position : deleted) {
    if (table.primary_keys_) table.primary_keys_->erase(key_at(table, position));
    const RowLocation location = table.locate(position);
    if (location.segment == RowLocation::kTail) {
      if (table.tail_deleted.size() < table.tail_rows) table.tail_deleted.resize(table.tail_rows, 0);
      table.tail_deleted[location.row] = 1;
      continue;
    }
    // Copy on write: a version's deletion flags never change once others may read them.
    auto current = table.segment_deletions(location.segment, segments_directory());
    auto next = std::make_shared<std::vector<uint8_t>>(current ? *current : std::vector<uint8_t>(table.segment_entries[location.segment].row_count, 0));
    if (!(*next)[location.row]) {
      (*next)[location.row] = 1;
      table.segment_entries[location.segment].deleted_count++;
    }
    std::lock_guard<std::mutex> lock(table.segment_mutex_);
    table.deletions_[location.segment] = std::move(next);
    if (table.deletions_dirty_.size() < table.segment_entries.size()) table.deletions_dirty_.resize(table.segment_entries.size(), false);
    table.deletions_dirty_[location.segment] = true;
  }
  if (rows == 0) return;
  const uint64_t first = table.stored_rows();
  std::vector<std::string> keys;
  if (table.primary_keys_) keys = primary_key_strings(table.schema, inserted, rows);
  for (size_t c = 0; c < inserted.size(); c++) table.tail[c].append_column(inserted[c]);
  table.tail_rows += rows;
  if (!table.tail_deleted.empty()) table.tail_deleted.resize(table.tail_rows, 0);
  for (size_t i = 0; i < keys.size(); i++) table.primary_keys_->assign(keys[i], first + i);
}

std::string Database::seal(VersionKind kind, const std::string& message) {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  seal_locked(kind, message);
  return manifest_.id;
}

void Database::seal_locked(VersionKind kind, const std::string& message) {
  CommitGuard commit(*this);
  rebase_to_head();  // another process's commits first: this one goes on top of them
  write_version(kind, message, {file_name(tail_log_.path())});
  // The old session log is now part of the version (which names it, should a crash leave
  // the file behind); later statements go to a new one.
  start_session(true);
  unsealed_records_ = false;
  tail_dirty_ = false;
  // Many small commits must not leave many small segments behind.
  if (kind != VersionKind::Optimize) maybe_compact();
}

void Database::write_version(VersionKind kind, const std::string& message, const std::vector<std::string>& absorbed) {
  Manifest next;
  next.id = new_id();
  next.parent = manifest_.id;
  next.kind = kind;
  next.message = message;
  next.time_micros = now_micros();
  next.next_table_id = next_table_id_;
  std::vector<std::pair<TableState*, SegmentEntry>> sealed;
  std::vector<std::tuple<TableState*, size_t, std::string>> rewritten;  // new deletion files of older segments
  for (auto& [name, table] : tables_) {
    ManifestTable entry;
    entry.schema = table->schema;
    entry.segments = table->segment_entries;
    entry.indexes = table->indexes;
    for (size_t s = 0; s < table->deletions_dirty_.size() && s < entry.segments.size(); s++) {
      if (!table->deletions_dirty_[s]) continue;
      auto flags = table->segment_deletions(s, segments_directory());
      const std::string file = entry.segments[s].file + "." + new_id() + ".del";
      write_deletions(deletions_path(file), *flags);
      entry.segments[s].deletions = file;
      rewritten.emplace_back(table.get(), s, file);
    }
    if (table->tail_rows > 0) {
      std::vector<const Column*> columns;
      for (const Column& column : table->tail) columns.push_back(&column);
      SegmentEntry segment;
      segment.file = std::to_string(table->schema.id) + "-" + new_id() + ".seg";
      segment.row_count = table->tail_rows;
      // Deleted tail rows stay in the segment (marked deleted) so row positions never move.
      write_segment(segments_directory() + "/" + segment.file, columns, table->tail_rows);
      for (uint8_t flag : table->tail_deleted) segment.deleted_count += flag;
      std::vector<uint8_t> flags;
      if (segment.deleted_count > 0) {
        flags = table->tail_deleted;
        flags.resize(table->tail_rows, 0);
        segment.deletions = segment.file + "." + new_id() + ".del";
        write_deletions(deletions_path(segment.deletions), flags);
      }
      if (!table->indexes.empty()) {
        TableState* state = table.get();
        segment.index_files = build_indexes(table->indexes, segment.file, [state](uint32_t column) { return state->tail[column].view(); },
                                            flags.empty() ? nullptr : flags.data());
      }
      entry.segments.push_back(segment);
      sealed.emplace_back(table.get(), segment);
    }
    next.tables.push_back(std::move(entry));
  }
  next.absorbed_logs = absorbed;
  write_file_atomically(path_ + "/manifests/" + next.id, encode_manifest(next), true);
  // The ref swap is the commit point: before it the old version and the logs are current.
  write_file_atomically(path_ + "/refs/heads/" + branch_, next.id + "\n", true);
  note_ref_stamp();
  for (auto& [table, s, file] : rewritten) {
    table->segment_entries[s].deletions = file;
    table->deletions_dirty_[s] = false;
  }
  for (auto& [table, segment] : sealed) {
    table->segment_entries.push_back(segment);
    // Keep the buffers' capacity: refilling them then needs no new pages from the kernel.
    for (Column& column : table->tail) column.clear();
    table->tail_rows = 0;
    table->tail_deleted.clear();
  }
  for (auto& [name, table] : tables_) table->content_stamp_ = TableState::next_content_stamp();
  manifest_ = std::move(next);
}


void Database::sync() {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  if (tail_dirty_) tail_log_.sync();
  tail_dirty_ = false;
}

void Database::close() {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  if (closed_) return;
  if (read_only()) {
    closed_ = true;
    return;
  }
  if (has_pending()) seal_locked(VersionKind::Seal, "");
  end_session();
  closed_ = true;
}

}  // namespace replaydb
