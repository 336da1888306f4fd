// The Node-API surface of replaydb: a NativeDatabase class with a few coarse calls (run a
// statement message, synchronously or on a worker thread; read the catalog; seal; close)
// and a bulk text decoder. It converts arguments and results and holds no logic.
#include <napi.h>

#include <memory>

#include "binding/loader_binding.hpp"
#include "binding/plan_message.hpp"
#include "binding/result_columns.hpp"
#include "common/error.hpp"
#include "exec/cancellation.hpp"
#include "store/database.hpp"

namespace replaydb {
namespace {

Napi::Object catalog_to_js(Napi::Env env, const Database& database) {
  auto guard = database.read_lock();
  Napi::Object out = Napi::Object::New(env);
  out.Set("schemaVersion", Napi::Number::New(env, double(database.schema_version())));
  out.Set("version", database.version_id());
  Napi::Array tables = Napi::Array::New(env);
  uint32_t t = 0;
  for (const TableState* table : database.tables()) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", table->schema.name);
    entry.Set("rowCount", Napi::Number::New(env, double(table->row_count())));
    Napi::Array columns = Napi::Array::New(env, table->schema.columns.size());
    for (size_t c = 0; c < table->schema.columns.size(); c++) {
      const ColumnSchema& column = table->schema.columns[c];
      Napi::Object column_entry = Napi::Object::New(env);
      column_entry.Set("name", column.name);
      column_entry.Set("typeId", Napi::Number::New(env, int(column.type.id)));
      column_entry.Set("dimension", Napi::Number::New(env, column.type.dimension));
      column_entry.Set("notNull", Napi::Boolean::New(env, column.not_null));
      column_entry.Set("hasDefault", Napi::Boolean::New(env, column.default_kind != DefaultKind::None));
      bool primary = false;
      for (uint32_t index : table->schema.primary_key) primary = primary || index == c;
      column_entry.Set("primaryKey", Napi::Boolean::New(env, primary));
      columns.Set(uint32_t(c), column_entry);
    }
    entry.Set("columns", columns);
    tables.Set(t++, entry);
  }
  out.Set("tables", tables);
  return out;
}

[[noreturn]] void rethrow_as_js(Napi::Env env) {
  try {
    throw;
  } catch (const EngineError& error) {
    throw engine_error_to_js(env, error.code(), error.what(), error.parameter(), error.expression());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw engine_error_to_js(env, "out_of_memory", "out of memory", -1, -1);
  } catch (const std::exception& error) {
    throw engine_error_to_js(env, "internal_error", error.what(), -1, -1);
  }
}

class StatementWorker : public Napi::AsyncWorker {
 public:
  StatementWorker(Napi::Env env, std::shared_ptr<Database> database, std::shared_ptr<Statement> statement,
                  std::shared_ptr<CancellationToken> cancellation = nullptr)
      : Napi::AsyncWorker(env, "replaydb.statement"),
        deferred_(Napi::Promise::Deferred::New(env)),
        database_(std::move(database)),
        statement_(std::move(statement)),
        cancellation_(std::move(cancellation)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = run_statement(*database_, *statement_, cancellation_.get());
    } catch (const EngineError& error) {
      code_ = error.code();
      parameter_ = error.parameter();
      expression_ = error.expression();
      SetError(error.what());
    } catch (const std::bad_alloc&) {
      code_ = "out_of_memory";
      SetError("out of memory");
    } catch (const std::exception& error) {
      code_ = "internal_error";
      SetError(error.what());
    }
  }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    try {
      deferred_.Resolve(result_to_js(Env(), result_));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(engine_error_to_js(Env(), code_, error.Message(), parameter_, expression_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Database> database_;
  std::shared_ptr<Statement> statement_;  // a prepared query's is released when the worker is done
  std::shared_ptr<CancellationToken> cancellation_;
  StatementResult result_;
  std::string code_ = "internal_error";
  int parameter_ = -1;
  int expression_ = -1;
};

/**
 * The statement one run of a prepared query executes: the prepared one with `params` bound
 * into it (released for the next run when the returned pointer goes), or, while another
 * run holds that, the same query read again from `message`.
 */
std::shared_ptr<Statement> statement_for_run(const std::shared_ptr<PreparedQuery>& prepared, const Napi::Object& message,
                                             const Napi::Array& params) {
  if (prepared->busy.exchange(true)) return read_statement(message, params);
  std::shared_ptr<Statement> statement(prepared->statement.get(), [prepared](Statement*) { prepared->busy.store(false); });
  bind_prepared_query(*prepared, params);
  return statement;
}

/** A native object held by JS as an opaque handle (freed when the handle is collected). */
template <typename T>
Napi::Value handle_of(Napi::Env env, std::shared_ptr<T> held) {
  return Napi::External<std::shared_ptr<T>>::New(env, new std::shared_ptr<T>(std::move(held)),
                                                 [](Napi::Env, std::shared_ptr<T>* owned) { delete owned; });
}

template <typename T>
const std::shared_ptr<T>& held_by(const Napi::Value& handle) {
  return *handle.As<Napi::External<std::shared_ptr<T>>>().Data();
}

/** The cancellation token passed as a call's argument `index`, if one is. */
std::shared_ptr<CancellationToken> cancellation_at(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() > index && info[index].IsExternal()) return held_by<CancellationToken>(info[index]);
  return nullptr;
}

class NativeDatabase : public Napi::ObjectWrap<NativeDatabase> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeDatabase",
                       {InstanceMethod("run", &NativeDatabase::Run), InstanceMethod("runAsync", &NativeDatabase::RunAsync),
                        InstanceMethod("prepareInsert", &NativeDatabase::PrepareInsert),
                        InstanceMethod("prepareQuery", &NativeDatabase::PrepareQuery),
                        InstanceMethod("runQuery", &NativeDatabase::RunQuery),
                        InstanceMethod("runQueryAsync", &NativeDatabase::RunQueryAsync),
                        InstanceMethod("runPrepared", &NativeDatabase::RunPrepared),
                        InstanceMethod("runPreparedAsync", &NativeDatabase::RunPreparedAsync),
                        InstanceMethod("catalog", &NativeDatabase::Catalog),
                        InstanceMethod("schemaVersion", &NativeDatabase::SchemaVersion),
                        InstanceMethod("indexProgress", &NativeDatabase::IndexProgress),
                        InstanceMethod("seal", &NativeDatabase::Seal), InstanceMethod("sync", &NativeDatabase::Sync),
                        InstanceMethod("close", &NativeDatabase::Close),
                        InstanceMethod("refresh", &NativeDatabase::Refresh),
                        InstanceMethod("rollback", &NativeDatabase::Rollback),
                        InstanceMethod("commitCounter", &NativeDatabase::CommitCounter),
                        InstanceMethod("currentBranch", &NativeDatabase::CurrentBranch),
                        InstanceMethod("createBranch", &NativeDatabase::CreateBranch),
                        InstanceMethod("checkout", &NativeDatabase::Checkout),
                        InstanceMethod("deleteBranch", &NativeDatabase::DeleteBranch),
                        InstanceMethod("branches", &NativeDatabase::Branches),
                        InstanceMethod("log", &NativeDatabase::Log),
                        InstanceMethod("diff", &NativeDatabase::Diff),
                        InstanceMethod("merge", &NativeDatabase::Merge),
                        InstanceMethod("optimize", &NativeDatabase::Optimize),
                        InstanceMethod("gc", &NativeDatabase::Gc)});
  }

  /** new NativeDatabase(path, { syncFull, create, sealThresholdBytes }) */
  explicit NativeDatabase(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeDatabase>(info) {
    Napi::Env env = info.Env();
    try {
      const std::string path = info[0].As<Napi::String>().Utf8Value();
      DatabaseOptions options;
      if (info.Length() > 1 && info[1].IsObject()) {
        Napi::Object given = info[1].As<Napi::Object>();
        if (given.Get("syncFull").IsBoolean()) options.sync_full = given.Get("syncFull").As<Napi::Boolean>().Value();
        if (given.Get("create").IsBoolean()) options.create = given.Get("create").As<Napi::Boolean>().Value();
        if (given.Get("branch").IsString()) options.branch = given.Get("branch").As<Napi::String>().Utf8Value();
        if (given.Get("snapshot").IsString()) options.snapshot = given.Get("snapshot").As<Napi::String>().Utf8Value();
        if (given.Get("compactionThresholdSegments").IsNumber()) {
          options.compaction_threshold_segments = size_t(given.Get("compactionThresholdSegments").As<Napi::Number>().Int64Value());
        }
        if (given.Get("sealThresholdBytes").IsNumber()) {
          options.seal_threshold_bytes = uint64_t(given.Get("sealThresholdBytes").As<Napi::Number>().Int64Value());
        }
      }
      database_ = std::shared_ptr<Database>(Database::open(path, options).release());
    } catch (...) {
      rethrow_as_js(env);
    }
  }

 private:
  Database& database(Napi::Env env) {
    if (!database_ || database_->is_closed()) throw engine_error_to_js(env, "connection_closed", "the database is closed", -1, -1);
    return *database_;
  }

  static Napi::Array params_of(const Napi::CallbackInfo& info) {
    if (info.Length() > 1 && info[1].IsArray()) return info[1].As<Napi::Array>();
    return Napi::Array::New(info.Env());
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Database& db = database(env);
      std::unique_ptr<Statement> statement = read_statement(info[0].As<Napi::Object>(), params_of(info));
      StatementResult result = run_statement(db, *statement, nullptr);
      return result_to_js(env, result);
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  Napi::Value RunAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      database(env);
      return queue(env, read_statement(info[0].As<Napi::Object>(), params_of(info)), cancellation_at(info, 2));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  /** Runs `statement` on a worker thread; the promise of its result. */
  Napi::Promise queue(Napi::Env env, std::shared_ptr<Statement> statement, std::shared_ptr<CancellationToken> cancellation) {
    auto* worker = new StatementWorker(env, database_, std::move(statement), std::move(cancellation));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  }

  /** prepareQuery(message) → an opaque handle for runQuery(handle, message, params). */
  Napi::Value PrepareQuery(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      database(env);
      return handle_of(env, read_prepared_query(info[0].As<Napi::Object>()));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  /** The statement a runQuery / runQueryAsync call runs: (handle, message, params). */
  static std::shared_ptr<Statement> prepared_statement(const Napi::CallbackInfo& info) {
    const Napi::Array params = info.Length() > 2 && info[2].IsArray() ? info[2].As<Napi::Array>() : Napi::Array::New(info.Env());
    return statement_for_run(held_by<PreparedQuery>(info[0]), info[1].As<Napi::Object>(), params);
  }

  /** runQuery(handle, message, params): the prepared query's result. */
  Napi::Value RunQuery(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Database& db = database(env);
      std::shared_ptr<Statement> statement = prepared_statement(info);
      StatementResult result = run_statement(db, *statement, nullptr);
      statement.reset();
      return result_to_js(env, result);
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  /** runQueryAsync(handle, message, params, cancellation?): runQuery on a worker thread. */
  Napi::Value RunQueryAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      database(env);
      return queue(env, prepared_statement(info), cancellation_at(info, 3));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  /** prepareInsert(message) → an opaque handle for runPrepared(handle, params). */
  Napi::Value PrepareInsert(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      database(env);
      return handle_of(env, read_insert_template(info[0].As<Napi::Object>()));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  static const InsertTemplate& template_of(const Napi::Value& handle) { return *held_by<InsertTemplate>(handle); }

  Napi::Value RunPrepared(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Database& db = database(env);
      std::unique_ptr<Statement> statement = bind_insert(template_of(info[0]), params_of(info));
      StatementResult result = run_statement(db, *statement, nullptr);
      return Napi::Number::New(env, double(result.affected));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  Napi::Value RunPreparedAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      database(env);
      return queue(env, bind_insert(template_of(info[0]), params_of(info)), nullptr);
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  Napi::Value Catalog(const Napi::CallbackInfo& info) {
    try {
      return catalog_to_js(info.Env(), database(info.Env()));
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  /** indexProgress() → [rows indexed, rows to index] of the running (or last) index build; reads atomics only. */
  Napi::Value IndexProgress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto [done, total] = database(env).index_progress();
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, Napi::Number::New(env, double(done)));
    out.Set(1u, Napi::Number::New(env, double(total)));
    return out;
  }

  Napi::Value SchemaVersion(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(database(info.Env()).schema_version()));
  }

  /** seal(kind: 'commit' | 'seal', message) → version id */
  Napi::Value Seal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      const bool commit = info.Length() > 0 && info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "commit";
      const std::string message = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
      return Napi::String::New(env, database(env).seal(commit ? VersionKind::Commit : VersionKind::Seal, message));
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  Napi::Value Sync(const Napi::CallbackInfo& info) {
    try {
      database(info.Env()).sync();
      return info.Env().Undefined();
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  /** refresh() → whether other processes' commits were taken in. */
  Napi::Value Refresh(const Napi::CallbackInfo& info) {
    try {
      return Napi::Boolean::New(info.Env(), database(info.Env()).refresh());
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  /**
   * commitCounter() → an ArrayBuffer over the shared COMMITS counter (its own mapping, freed
   * with the buffer), or null for a read-only view: JavaScript checks it before each
   * statement and calls refresh() only when it moved.
   */
  Napi::Value CommitCounter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Database& db = database(env);
      if (db.read_only()) return env.Null();
      auto* counter = new SharedCounter();
      try {
        counter->open(db.path() + "/COMMITS");
      } catch (...) {
        delete counter;
        throw;
      }
      return Napi::ArrayBuffer::New(env, counter->data(), sizeof(uint64_t), [](Napi::Env, void*, SharedCounter* owned) { delete owned; },
                                    counter);
    } catch (...) {
      rethrow_as_js(env);
    }
  }

  Napi::Value Rollback(const Napi::CallbackInfo& info) {
    try {
      database(info.Env()).rollback();
      return info.Env().Undefined();
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    try {
      if (database_) database_->close();
      return info.Env().Undefined();
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  static std::string string_argument(const Napi::CallbackInfo& info, size_t index) {
    return info.Length() > index && info[index].IsString() ? info[index].As<Napi::String>().Utf8Value() : std::string();
  }

  /** Runs `body` converting engine errors; for the version calls below. */
  template <typename F>
  Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
    try {
      return body(database(info.Env()));
    } catch (...) {
      rethrow_as_js(info.Env());
    }
  }

  Napi::Value CurrentBranch(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) { return Napi::String::New(info.Env(), db.current_branch()); });
  }

  Napi::Value CreateBranch(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      return Napi::String::New(info.Env(), db.create_branch(string_argument(info, 0), string_argument(info, 1)));
    });
  }

  Napi::Value Checkout(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      db.checkout(string_argument(info, 0));
      return info.Env().Undefined();
    });
  }

  Napi::Value DeleteBranch(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      db.delete_branch(string_argument(info, 0));
      return info.Env().Undefined();
    });
  }

  Napi::Value Branches(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      const std::vector<std::string> names = db.branches();
      Napi::Array out = Napi::Array::New(info.Env(), names.size());
      for (size_t i = 0; i < names.size(); i++) out.Set(uint32_t(i), names[i]);
      return out;
    });
  }

  Napi::Value Log(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      const size_t limit = info.Length() > 1 && info[1].IsNumber() ? size_t(info[1].As<Napi::Number>().Int64Value()) : SIZE_MAX;
      const std::vector<VersionInfo> versions = db.log(string_argument(info, 0), limit);
      Napi::Env env = info.Env();
      static const char* kinds[] = {"create", "commit", "seal", "branch", "merge", "optimize"};
      Napi::Array out = Napi::Array::New(env, versions.size());
      for (size_t i = 0; i < versions.size(); i++) {
        const VersionInfo& version = versions[i];
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("id", version.id);
        entry.Set("parent", version.parent);
        entry.Set("mergeParent", version.merge_parent);
        entry.Set("kind", kinds[size_t(version.kind)]);
        entry.Set("message", version.message);
        entry.Set("timeMicros", Napi::Number::New(env, double(version.time_micros)));
        Napi::Object counts = Napi::Object::New(env);
        for (const auto& [table, rows] : version.row_counts) counts.Set(table, Napi::Number::New(env, double(rows)));
        entry.Set("rowCounts", counts);
        out.Set(uint32_t(i), entry);
      }
      return out;
    });
  }

  Napi::Value Diff(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      Napi::Env env = info.Env();
      Napi::Object out = Napi::Object::New(env);
      for (const TableDifference& difference : db.diff(string_argument(info, 0), string_argument(info, 1))) {
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("added", Napi::Number::New(env, double(difference.added)));
        entry.Set("removed", Napi::Number::New(env, double(difference.removed)));
        out.Set(difference.table, entry);
      }
      return out;
    });
  }

  Napi::Value Merge(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) {
      Napi::Env env = info.Env();
      const std::string strategy_name = string_argument(info, 2);
      const MergeStrategy strategy = strategy_name == "ours" ? MergeStrategy::Ours : strategy_name == "theirs" ? MergeStrategy::Theirs : MergeStrategy::Fail;
      const MergeOutcome outcome = db.merge(string_argument(info, 0), string_argument(info, 1), strategy);
      Napi::Object out = Napi::Object::New(env);
      out.Set("version", outcome.version);
      out.Set("upToDate", Napi::Boolean::New(env, outcome.up_to_date));
      Napi::Array conflicts = Napi::Array::New(env, outcome.conflicts.size());
      for (size_t i = 0; i < outcome.conflicts.size(); i++) {
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("table", outcome.conflicts[i].table);
        entry.Set("kind", outcome.conflicts[i].kind);
        entry.Set("detail", outcome.conflicts[i].detail);
        conflicts.Set(uint32_t(i), entry);
      }
      out.Set("conflicts", conflicts);
      return out;
    });
  }

  Napi::Value Optimize(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) { return Napi::String::New(info.Env(), db.optimize()); });
  }

  Napi::Value Gc(const Napi::CallbackInfo& info) {
    return guarded(info, [&](Database& db) { return Napi::Number::New(info.Env(), double(db.gc())); });
  }

  std::shared_ptr<Database> database_;
};

}  // namespace
}  // namespace replaydb

/** createCancellation() → a token for runAsync; cancel(token) makes the statement stop at its next batch. */
static Napi::Value CreateCancellation(const Napi::CallbackInfo& info) {
  return replaydb::handle_of(info.Env(), std::make_shared<replaydb::CancellationToken>());
}

static Napi::Value Cancel(const Napi::CallbackInfo& info) {
  if (auto token = replaydb::cancellation_at(info, 0)) token->cancel();
  return info.Env().Undefined();
}

static Napi::Object InitReplaydb(Napi::Env env, Napi::Object exports) {
  exports.Set("createCancellation", Napi::Function::New(env, CreateCancellation));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
  exports.Set("NativeDatabase", replaydb::NativeDatabase::Define(env));
  exports.Set("decodeText", Napi::Function::New(env, replaydb::decode_text_column));
  replaydb::register_loader(env, exports);
  return exports;
}

NODE_API_MODULE(replaydb, InitReplaydb)
