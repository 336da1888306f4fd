// Several processes on one database. Each writable handle appends its statements to its
// own session log (tail/<id>.log), flock'ed while the handle lives. Commits, and every
// other change of a ref, hold LOCK: they replay the handle's uncommitted records on top of
// whatever the branch's head is by then (a rebase: appends always apply; a row deleted on
// both sides, a primary key taken meanwhile or a table dropped is a conflict) and publish
// a version that names the log it absorbed. A log whose owner died (its flock is free) is
// taken in, once, by the next process that opens the database or runs gc(): versions name
// the logs they absorbed, so one left behind by a crash after its commit is recognised.
#include <sys/stat.h>

#include <cstdio>

#include "common/error.hpp"
#include "store/database.hpp"
#include "store/refs.hpp"
#include "store/tail_log.hpp"

namespace replaydb {
namespace {

bool is_session_log(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0; }

/** µs since the epoch when log `name` was created (its id's first 13 hex digits), or 0. */
int64_t log_created_micros(const std::string& name) {
  int64_t micros = 0;
  for (size_t i = 0; i < 13 && i < name.size(); i++) {
    const char c = name[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    micros = micros * 16 + digit;
  }
  return micros;
}

}  // namespace

Database::CommitGuard::CommitGuard(Database& database) : database_(database) {
  if (database_.commit_depth_++ > 0) return;
  try {
    database_.commit_lock_.lock(database_.path_ + "/LOCK");
  } catch (...) {
    database_.commit_depth_--;
    throw;
  }
}

Database::CommitGuard::~CommitGuard() {
  if (--database_.commit_depth_ > 0) return;
  // Whatever it changed, others notice at their next statement by this counter alone. (A
  // crash between a ref swap and this leaves the counter to the next holder of the lock.)
  if (database_.commits_.is_open()) database_.commits_.increment();
  database_.commit_lock_.unlock();
}

void Database::note_ref_stamp() {
  struct stat info;
  if (::stat((path_ + "/refs/heads/" + branch_).c_str(), &info) != 0) {
    ref_stamp_ = RefStamp{};
    return;
  }
  ref_stamp_ = RefStamp{uint64_t(info.st_ino), uint64_t(info.st_size), int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
}

void Database::start_session(bool remove_previous) {
  if (commit_depth_ == 0) throw EngineError("internal_error", "a session log started without the commit lock");
  const std::string previous = tail_log_.is_open() ? tail_log_.path() : std::string();
  make_directories(path_ + "/tail");
  const std::string path = path_ + "/tail/" + new_id() + ".log";
  std::string bytes = tail_log_header();
  std::string record = start_record();
  ByteWriter out(record);
  out.put<uint8_t>(uint8_t(RecordKind::Session));
  out.put_string(branch_);
  finish_record(record);
  bytes += record;
  {
    AppendFile created(path);
    created.write_all(bytes);
    created.sync();
  }
  sync_directory(path_ + "/tail");
  // Others adopt only under the commit lock, which this handle holds: the swap is unseen.
  if (remove_previous && !previous.empty()) {
    try {
      remove_file(previous);
    } catch (...) {
      // Left behind, it is recognised as absorbed (or empty) and removed later.
    }
  }
  tail_log_.close();
  session_lock_.unlock();
  if (!session_lock_.try_lock(path)) throw StorageError("io_error", path, "cannot lock the new session log");
  tail_log_.open(path);
  tail_dirty_ = false;
}

void Database::end_session() {
  if (!tail_log_.is_open()) return;
  const std::string path = tail_log_.path();
  tail_log_.close();
  if (!unsealed_records_) {
    try {
      remove_file(path);  // only its Session record: nothing to keep
    } catch (...) {
    }
  }
  session_lock_.unlock();
}

void Database::replay(const std::vector<std::string>& records, const std::string& file, bool rebase) {
  replay_created_tables_.clear();
  for (const std::string& record : records) apply_record(record, file, rebase);
}

void Database::rebase_to_head() {
  if (read_only() || !tail_log_.is_open()) return;
  const std::string ref_path = path_ + "/refs/heads/" + branch_;
  if (!file_exists(ref_path)) throw EngineError("undefined_object", "branch \"" + branch_ + "\" was deleted by another process");
  const std::string head = trim_line(read_file(ref_path));
  if (head == manifest_.id) {
    note_ref_stamp();
    return;
  }
  Manifest next = read_manifest(head);
  std::vector<std::string> records;
  if (unsealed_records_) records = read_tail_log(tail_log_.path()).records;
  Manifest previous = manifest_;
  try {
    reset_state(next);
    replay(records, tail_log_.path(), true);
    manifest_ = std::move(next);
    note_ref_stamp();
  } catch (...) {
    // The same records applied to the previous version before: restore that view.
    reset_state(previous);
    replay(records, tail_log_.path(), false);
    throw;
  }
}

bool Database::refresh() {
  {
    auto guard = read_lock();
    if (closed_ || read_only()) return false;
    struct stat info;
    if (::stat((path_ + "/refs/heads/" + branch_).c_str(), &info) == 0 &&
        ref_stamp_ == RefStamp{uint64_t(info.st_ino), uint64_t(info.st_size), int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec}) {
      return false;
    }
  }
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_open();
  const std::string before = manifest_.id;
  rebase_to_head();
  return manifest_.id != before;
}

void Database::rollback() {
  std::unique_lock<std::shared_mutex> guard(mutex_);
  check_writable();
  CommitGuard commit(*this);
  unsealed_records_ = true;  // a new session log either way
  load_branch(branch_);
}

bool Database::log_absorbed(const std::string& branch, const std::string& name) const {
  const int64_t created = log_created_micros(name);
  std::string id = trim_line(read_file(path_ + "/refs/heads/" + branch));
  while (!id.empty()) {
    const Manifest manifest = read_manifest(id);
    for (const std::string& log : manifest.absorbed_logs) {
      if (log == name) return true;
    }
    if (manifest.time_micros < created) break;  // older than the log: cannot have absorbed it
    id = manifest.parent;
  }
  return false;
}

void Database::adopt_orphan_logs() {
  // Adoption publishes versions of other branches: set this handle's state aside meanwhile.
  const bool loaded = tail_log_.is_open();
  Manifest own_manifest = std::move(manifest_);
  std::string own_branch = branch_;
  std::map<std::string, std::unique_ptr<TableState>> own_tables = std::move(tables_);
  const uint32_t own_next_table_id = next_table_id_;
  const bool own_unsealed = unsealed_records_;
  auto restore = [&] {
    manifest_ = std::move(own_manifest);
    branch_ = own_branch;
    tables_ = std::move(own_tables);
    next_table_id_ = own_next_table_id;
    unsealed_records_ = own_unsealed;
    schema_version_++;
    note_ref_stamp();
  };
  try {
    const std::string directory = path_ + "/tail";
    for (const std::string& name : file_exists(directory) ? list_directory(directory) : std::vector<std::string>()) {
      const std::string path = directory + "/" + name;
      if (!is_session_log(name) || (loaded && path == tail_log_.path())) continue;
      FileLock owner;
      if (!owner.try_lock(path)) continue;  // a live session
      const ReplayedLog log = read_tail_log(path);
      std::string branch;
      const bool legacy = log.records.empty() || log.records[0].empty() || uint8_t(log.records[0][0]) != uint8_t(RecordKind::Session);
      if (!legacy) {
        ByteReader in(log.records[0], path);
        in.get<uint8_t>();
        branch = in.get_string();
      } else {
        // Format 2: one writer, whose log the branch's head manifest names.
        for (const std::string& candidate : list_branches(path_ + "/refs/heads")) {
          if (read_manifest(trim_line(read_file(path_ + "/refs/heads/" + candidate))).tail_log == name) branch = candidate;
        }
      }
      const size_t changes = log.records.size() - (legacy ? 0 : 1);
      if (branch.empty() || changes == 0) {
        remove_file(path);  // nothing in it (or a format-2 log some seal already took in)
        continue;
      }
      if (!file_exists(path_ + "/refs/heads/" + branch)) {
        std::rename(path.c_str(), (path + ".conflict").c_str());  // its branch was deleted: keep the rows aside
        continue;
      }
      if (!legacy && log_absorbed(branch, name)) {
        remove_file(path);  // committed just before its owner died
        continue;
      }
      branch_ = branch;
      manifest_ = read_manifest(trim_line(read_file(path_ + "/refs/heads/" + branch)));
      reset_state(manifest_);
      unsealed_records_ = false;
      try {
        replay(log.records, path, !legacy);
      } catch (const EngineError& error) {
        if (std::string(error.code()) != "serialization_failure") throw;
        // Rows that no longer fit the branch (a key taken since): kept aside, not lost.
        std::rename(path.c_str(), (path + ".conflict").c_str());
        continue;
      }
      write_version(VersionKind::Seal, "rows of a session that ended without committing", {name});
      remove_file(path);
    }
  } catch (...) {
    restore();
    throw;
  }
  restore();
  if (loaded) rebase_to_head();
}

}  // namespace replaydb
