// The dataloader's Node-API surface: converts arguments and hands work to native/loader.
//
//   new NativeLoaderData(columns)        pins a query result's column buffers (typed arrays
//                                        over the Result's external ArrayBuffers)
//     .indexTrajectories(id, step, role) groups rows into trajectories (token batches)
//     .configureTokens(spec)             role templates, tokenizer output, seqLen, packing
//   new NativeBatchStream(data, settings) a cursor over the data with its own prefetch threads
//     .layout(), .epochItems(), .epochBatches()
//     .next(destination: ArrayBuffer) → Promise<batch info>   gathers on the threads
//     .cancelAndWait(), .seek(cursor), .close()
//   loaderOrder(items, epoch, shuffle, seed, rank, worldSize, pad) → Uint32Array
//
// Lifetimes (the invariants that make writing from the prefetch threads safe):
//  - Source buffers: NativeLoaderData holds references to the typed arrays it reads, a
//    stream holds a reference to its NativeLoaderData, and every job in flight holds a
//    reference to its stream. So nothing the threads read can be collected while they read.
//  - Destination: a job holds a reference to its destination ArrayBuffer until the job has
//    been delivered back on the JS thread, so it cannot be collected. It can still be
//    detached by its owner: a WebGPU mapped range is detached by GPUBuffer.unmap() (or by
//    GPUDevice.destroy()), which releases the mapping. The caller must therefore not unmap a
//    staging buffer until the job writing into it has been delivered, or until
//    cancelAndWait() has returned: after that call no job writes again (queued jobs are
//    delivered as cancelled without touching their destination). src/gpu/staging_ring.ts
//    keeps to this, including when the device is destroyed mid-iteration.
//  - Teardown: an environment cleanup hook stops and joins a stream's threads before Node
//    frees anything, and the stream's finalizer does the same when it is collected (which
//    cannot happen while a job is in flight).
#include "binding/loader_binding.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "binding/result_columns.hpp"
#include "common/error.hpp"
#include "loader/batch_stream.hpp"
#include "loader/prefetch_thread.hpp"
#include "loader/sharding.hpp"
#include "loader/trajectory_index.hpp"

namespace replaydb {
namespace {

using loader::BatchInfo;
using loader::BatchStream;
using loader::LoaderData;
using loader::StreamCursor;
using loader::StreamSettings;

/**
 * Threads that gather a stream's batches. The pool can gather several batches at once, but
 * on the 2-core build machine a second thread made no gather faster (shuffled 512-byte rows
 * stayed at 4–5 GB/s: memory-bound) and slowed gathers in order (6–8 GB/s to 4–7), so one.
 */
constexpr size_t kGatherThreads = 1;

const napi_type_tag kLoaderDataTag = {0x7265706c61796462ull, 0x6c6f616465726461ull};

[[noreturn]] void throw_engine_error(Napi::Env env, const std::string& code, const std::string& message) {
  throw engine_error_to_js(env, code, message, -1, -1);
}

template <typename F>
auto guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const EngineError& error) {
    throw engine_error_to_js(env, error.code(), error.what(), -1, -1);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw engine_error_to_js(env, "out_of_memory", "out of memory", -1, -1);
  } catch (const std::exception& error) {
    throw engine_error_to_js(env, "internal_error", error.what(), -1, -1);
  }
}

double number_of(const Napi::Object& object, const char* key, double fallback) {
  Napi::Value value = object.Get(key);
  return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
}

bool bool_of(const Napi::Object& object, const char* key, bool fallback) {
  Napi::Value value = object.Get(key);
  return value.IsBoolean() ? value.As<Napi::Boolean>().Value() : fallback;
}

uint64_t seed_of(Napi::Env env, const Napi::Value& value) {
  if (value.IsBigInt()) {
    bool lossless = true;
    const uint64_t seed = value.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw_engine_error(env, "invalid_parameter", "shuffle seed must fit in 64 bits");
    return seed;
  }
  if (value.IsNumber()) return uint64_t(value.As<Napi::Number>().Int64Value());
  return 0;
}

/** A typed array's bytes, checked to hold at least `bytes`. */
const uint8_t* typed_bytes(Napi::Env env, const Napi::Value& value, size_t bytes, const char* what) {
  if (!value.IsTypedArray()) throw_engine_error(env, "internal_error", std::string("loader column ") + what + " is not a typed array");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  if (array.ByteLength() < bytes) throw_engine_error(env, "internal_error", std::string("loader column ") + what + " is too short");
  return static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

// ---------------------------------------------------------------------------------------

class NativeLoaderData : public Napi::ObjectWrap<NativeLoaderData> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeLoaderData",
                       {InstanceMethod("indexTrajectories", &NativeLoaderData::IndexTrajectories),
                        InstanceMethod("configureTokens", &NativeLoaderData::ConfigureTokens)});
  }

  /** new NativeLoaderData([{ type, dimension, length, data, offsets?, validity? }]) */
  explicit NativeLoaderData(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeLoaderData>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      napi_type_tag_object(env, info.This(), &kLoaderDataTag);
      auto data = std::make_shared<LoaderData>();
      Napi::Array columns = info[0].As<Napi::Array>();
      size_t rows = 0;
      for (uint32_t c = 0; c < columns.Length(); c++) {
        Napi::Object given = columns.Get(c).As<Napi::Object>();
        ColumnView view;
        view.type.id = type_id_from_name(given.Get("type").As<Napi::String>().Utf8Value());
        view.type.dimension = uint32_t(number_of(given, "dimension", 0));
        view.size = size_t(number_of(given, "length", 0));
        if (c == 0) rows = view.size;
        if (view.size != rows) throw_engine_error(env, "internal_error", "loader columns differ in length");
        if (view.type.is_variable_width()) {
          view.offsets = reinterpret_cast<const uint32_t*>(typed_bytes(env, given.Get("offsets"), 4 * (view.size + 1), "offsets"));
          for (size_t row = 0; row < view.size; row++) {
            if (view.offsets[row + 1] < view.offsets[row]) throw_engine_error(env, "internal_error", "loader text offsets decrease");
          }
          view.data = typed_bytes(env, given.Get("data"), view.offsets[view.size], "data");
        } else {
          view.data = typed_bytes(env, given.Get("data"), view.size * view.type.width(), "data");
        }
        if (given.Get("validity").IsTypedArray()) {
          view.validity = typed_bytes(env, given.Get("validity"), view.size, "validity");
          pinned_.push_back(Napi::Persistent(given.Get("validity")));
        }
        pinned_.push_back(Napi::Persistent(given.Get("data")));
        if (view.offsets) pinned_.push_back(Napi::Persistent(given.Get("offsets")));
        data->columns.push_back(view);
      }
      data->rows = rows;
      data_ = std::move(data);
    });
  }

  static NativeLoaderData* From(Napi::Env env, const Napi::Value& value) {
    bool tagged = false;
    if (value.IsObject()) napi_check_object_type_tag(env, value, &kLoaderDataTag, &tagged);
    if (!tagged) throw_engine_error(env, "internal_error", "expected a NativeLoaderData");
    return Unwrap(value.As<Napi::Object>());
  }

  std::shared_ptr<const LoaderData> data() const { return data_; }

 private:
  const ColumnView& column(Napi::Env env, const Napi::Value& index) {
    const double c = index.IsNumber() ? index.As<Napi::Number>().DoubleValue() : -1;
    if (c < 0 || c >= double(data_->columns.size())) throw_engine_error(env, "internal_error", "loader column index out of range");
    return data_->columns[size_t(c)];
  }

  /** indexTrajectories(idColumn, stepColumn, roleColumn) → { trajectories, roles } */
  Napi::Value IndexTrajectories(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      index_ = std::make_shared<loader::TrajectoryIndex>(
          loader::build_trajectory_index(column(env, info[0]), column(env, info[1]), column(env, info[2])));
      Napi::Object out = Napi::Object::New(env);
      out.Set("trajectories", Napi::Number::New(env, double(index_->trajectories())));
      Napi::Array roles = Napi::Array::New(env, index_->roles.size());
      for (size_t r = 0; r < index_->roles.size(); r++) roles.Set(uint32_t(r), index_->roles[r]);
      out.Set("roles", roles);
      return out;
    });
  }

  static std::vector<int32_t> int32s(const Napi::Value& value) {
    if (!value.IsTypedArray()) return {};
    Napi::Int32Array array = value.As<Napi::Int32Array>();
    return std::vector<int32_t>(array.Data(), array.Data() + array.ElementLength());
  }

  /**
   * configureTokens({ contentColumn, seqLen, pack, padId, roles: [{ prefix, suffix, trained }],
   *                   contentTokens?: Int32Array, contentOffsets?: Uint32Array })
   * after indexTrajectories(); roles are given in the order indexTrajectories returned them.
   */
  Napi::Value ConfigureTokens(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (!index_) throw_engine_error(env, "internal_error", "configureTokens() before indexTrajectories()");
      Napi::Object spec = info[0].As<Napi::Object>();
      auto corpus = std::make_shared<loader::TokenCorpus>();
      corpus->index = *index_;
      corpus->content = column(env, spec.Get("contentColumn"));
      corpus->seq_len = uint32_t(number_of(spec, "seqLen", 0));
      corpus->pack = bool_of(spec, "pack", true);
      corpus->pad_id = int32_t(number_of(spec, "padId", 256));
      if (corpus->seq_len == 0) throw_engine_error(env, "invalid_parameter", "seqLen must be at least 1");
      Napi::Array roles = spec.Get("roles").As<Napi::Array>();
      if (roles.Length() != corpus->index.roles.size()) throw_engine_error(env, "internal_error", "one template per role expected");
      for (uint32_t r = 0; r < roles.Length(); r++) {
        Napi::Object role = roles.Get(r).As<Napi::Object>();
        corpus->roles.push_back({int32s(role.Get("prefix")), int32s(role.Get("suffix")), bool_of(role, "trained", false)});
      }
      const size_t rows = data_->rows;
      if (spec.Get("contentTokens").IsTypedArray()) {
        corpus->pretokenized = true;
        corpus->content_tokens = int32s(spec.Get("contentTokens"));
        Napi::Uint32Array offsets = spec.Get("contentOffsets").As<Napi::Uint32Array>();
        if (offsets.ElementLength() != rows + 1) throw_engine_error(env, "internal_error", "contentOffsets must have rows + 1 entries");
        corpus->content_offsets.assign(offsets.Data(), offsets.Data() + rows + 1);
        for (size_t row = 0; row < rows; row++) {
          if (corpus->content_offsets[row + 1] < corpus->content_offsets[row] ||
              corpus->content_offsets[row + 1] > corpus->content_tokens.size()) {
            throw_engine_error(env, "internal_error", "contentOffsets out of range");
          }
        }
      }
      auto data = std::make_shared<LoaderData>(*data_);
      data->trajectory_tokens.assign(corpus->index.trajectories(), 0);
      for (size_t t = 0; t < corpus->index.trajectories(); t++) {
        uint64_t tokens = 0;
        for (uint32_t i = corpus->index.offsets[t]; i < corpus->index.offsets[t + 1]; i++) {
          const uint32_t row = corpus->index.rows[i];
          const loader::RoleTemplate& role = corpus->roles[corpus->index.row_roles[row]];
          tokens += role.prefix.size() + role.suffix.size();
          if (corpus->pretokenized) {
            tokens += corpus->content_offsets[row + 1] - corpus->content_offsets[row];
          } else if (corpus->content.type.is_variable_width() && !corpus->content.is_null(row)) {
            tokens += corpus->content.offsets[row + 1] - corpus->content.offsets[row];
          }
        }
        data->trajectory_tokens[t] = tokens;
      }
      data->tokens = std::move(corpus);
      data_ = std::move(data);
      return env.Undefined();
    });
  }

  std::shared_ptr<const LoaderData> data_;
  std::shared_ptr<loader::TrajectoryIndex> index_;
  std::vector<Napi::Reference<Napi::Value>> pinned_;
};

// ---------------------------------------------------------------------------------------

struct Job {
  Napi::Promise::Deferred deferred;
  Napi::ObjectReference stream;                         // keeps the stream (and its sources) alive
  Napi::Reference<Napi::ArrayBuffer> destination_ref;   // keeps the destination alive
  uint8_t* destination = nullptr;
  bool cancelled = false;
  bool failed = false;
  std::string error_code;
  std::string error_message;
  BatchInfo info;

  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

/**
 * Who is still alive of a stream and its delivery function: both end on the JS thread, in
 * either order (the stream's finalizer first after GC; the function first at teardown).
 */
struct DeliveryLink {
  bool delivery_finalized = false;
  bool stream_gone = false;

  static void OnDeliveryFinalized(Napi::Env, DeliveryLink* link, void*) {
    link->delivery_finalized = true;
    if (link->stream_gone) delete link;
  }
};

StreamCursor cursor_of(const Napi::Object& at) {
  StreamCursor cursor;
  cursor.epoch = uint64_t(number_of(at, "epoch", 0));
  cursor.batch = uint64_t(number_of(at, "batch", 0));
  cursor.position = uint64_t(number_of(at, "position", 0));
  cursor.token = uint64_t(number_of(at, "token", 0));
  return cursor;
}

class NativeBatchStream;
void deliver(Napi::Env env, Napi::Function, void*, Job* job);
using Delivery = Napi::TypedThreadSafeFunction<void, Job, deliver>;

class NativeBatchStream : public Napi::ObjectWrap<NativeBatchStream> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeBatchStream",
                       {InstanceMethod("layout", &NativeBatchStream::Layout),
                        InstanceMethod("epochItems", &NativeBatchStream::EpochItems),
                        InstanceMethod("epochBatches", &NativeBatchStream::EpochBatches),
                        InstanceMethod("next", &NativeBatchStream::Next),
                        InstanceMethod("cancelAndWait", &NativeBatchStream::CancelAndWait),
                        InstanceMethod("seek", &NativeBatchStream::Seek),
                        InstanceMethod("close", &NativeBatchStream::Close)});
  }

  /**
   * new NativeBatchStream(data, { tokens, target: 'host' | 'gpu', batchSize, epochs, dropLast,
   *   shuffle, seed: bigint, rank, worldSize, pad, cursor: { epoch, batch, position, token } })
   */
  explicit NativeBatchStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeBatchStream>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&] {
      NativeLoaderData* data = NativeLoaderData::From(env, info[0]);
      Napi::Object given = info[1].As<Napi::Object>();
      StreamSettings settings;
      settings.token_batches = bool_of(given, "tokens", false);
      settings.target = given.Get("target").IsString() && given.Get("target").As<Napi::String>().Utf8Value() == "gpu"
                            ? loader::BatchTarget::Gpu
                            : loader::BatchTarget::Host;
      settings.batch_size = size_t(number_of(given, "batchSize", 32));
      const double epochs = number_of(given, "epochs", 1);
      settings.epochs = std::isfinite(epochs) ? uint64_t(epochs) : UINT64_MAX;
      settings.drop_last = bool_of(given, "dropLast", false);
      settings.shuffle = bool_of(given, "shuffle", false);
      settings.seed = seed_of(env, given.Get("seed"));
      settings.shard.rank = uint32_t(number_of(given, "rank", 0));
      settings.shard.world_size = uint32_t(number_of(given, "worldSize", 1));
      settings.shard.remainder = bool_of(given, "pad", false) ? loader::ShardRemainder::Pad : loader::ShardRemainder::Drop;
      StreamCursor cursor;
      if (given.Get("cursor").IsObject()) cursor = cursor_of(given.Get("cursor").As<Napi::Object>());
      stream_ = std::make_shared<BatchStream>(data->data(), settings, cursor);
      data_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
      link_ = new DeliveryLink();
      delivery_ = Delivery::New(env, "replaydb.loader", 0, 1, nullptr, &DeliveryLink::OnDeliveryFinalized, link_);
      delivery_.Unref(env);
      thread_ = std::make_unique<loader::PrefetchThread>(kGatherThreads);
      env_ = env;
      napi_add_env_cleanup_hook(env, &NativeBatchStream::OnEnvCleanup, this);
      hooked_ = true;
    });
  }

  ~NativeBatchStream() override {
    if (hooked_) napi_remove_env_cleanup_hook(env_, &NativeBatchStream::OnEnvCleanup, this);
    if (thread_) thread_->stop();
    if (link_) {
      // During teardown Node may finalize the delivery function before this object; it is
      // gone then, and releasing it again would touch freed memory.
      if (!link_->delivery_finalized) delivery_.Release();
      link_->stream_gone = true;
      if (link_->delivery_finalized) delete link_;
    }
  }

  /** Called on the JS thread as each job comes back. */
  void job_delivered(Napi::Env env) {
    if (--pending_ == 0) delivery_.Unref(env);
  }

 private:
  static void OnEnvCleanup(void* self) {
    auto* stream = static_cast<NativeBatchStream*>(self);
    stream->hooked_ = false;
    stream->closed_ = true;
    if (stream->thread_) stream->thread_->stop();
  }

  Napi::Value Layout(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const loader::BatchLayout& layout = stream_->layout();
    Napi::Object out = Napi::Object::New(env);
    out.Set("totalBytes", Napi::Number::New(env, double(layout.total_bytes)));
    out.Set("batchRows", Napi::Number::New(env, double(layout.batch_rows)));
    out.Set("alignment", Napi::Number::New(env, double(layout.alignment)));
    static const char* encodings[] = {"copy", "double_to_f32", "bool_to_u32", "text", "validity_u8", "validity_u32", "zero", "tokens"};
    Napi::Array regions = Napi::Array::New(env, layout.regions.size());
    for (size_t r = 0; r < layout.regions.size(); r++) {
      const loader::Region& region = layout.regions[r];
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("column", Napi::Number::New(env, region.column));
      entry.Set("kind", region.kind == loader::RegionKind::Values ? "values" : "validity");
      entry.Set("encoding", encodings[size_t(region.encoding)]);
      entry.Set("offset", Napi::Number::New(env, double(region.offset)));
      entry.Set("capacity", Napi::Number::New(env, double(region.capacity)));
      entry.Set("rowBytes", Napi::Number::New(env, double(region.row_bytes)));
      entry.Set("textBytesOffset", Napi::Number::New(env, double(region.text_bytes_offset)));
      regions.Set(uint32_t(r), entry);
    }
    out.Set("regions", regions);
    return out;
  }

  Napi::Value EpochItems(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(stream_->epoch_items()));
  }

  Napi::Value EpochBatches(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { return Napi::Number::New(info.Env(), double(stream_->epoch_batches())); });
  }

  /** next(destination: ArrayBuffer) → Promise<info>: the next batch, gathered on the prefetch threads. */
  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) throw_engine_error(env, "object_in_use", "the loader stream is closed");
    if (!info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "next() takes an ArrayBuffer");
    Napi::ArrayBuffer destination = info[0].As<Napi::ArrayBuffer>();
    if (destination.ByteLength() < stream_->layout().total_bytes) {
      throw Napi::RangeError::New(env, "the batch destination is smaller than the layout's totalBytes");
    }
    auto* job = new Job(env);
    job->stream = Napi::Persistent(info.This().As<Napi::Object>());
    job->destination_ref = Napi::Persistent(destination);
    job->destination = static_cast<uint8_t*>(destination.Data());
    Napi::Promise promise = job->deferred.Promise();
    if (pending_++ == 0) delivery_.Ref(env);
    auto guard = [job](auto&& step) {
      try {
        step();
      } catch (const EngineError& error) {
        job->failed = true;
        job->error_code = error.code();
        job->error_message = error.what();
      } catch (const std::exception& error) {
        job->failed = true;
        job->error_code = "internal_error";
        job->error_message = error.what();
      }
    };
    // Plans run in order (they move the cursor); gathers of different batches in parallel.
    thread_->submit(
        [stream = stream_, job, guard](bool cancelled) {
          if (cancelled) job->cancelled = true;
          else guard([&] { job->info = stream->plan(job->destination); });
        },
        [stream = stream_, delivery = delivery_, job, guard](bool) {
          if (!job->cancelled && !job->failed) guard([&] { stream->gather(job->info, job->destination); });
          // The queue is unbounded, so this never blocks; it fails only while Node tears the
          // environment down, when the job can no longer be delivered (and is left behind).
          delivery.NonBlockingCall(job);
        });
    return promise;
  }

  /** Cancels queued batches and blocks until the threads have stopped writing (see the file comment). */
  Napi::Value CancelAndWait(const Napi::CallbackInfo& info) {
    if (thread_) thread_->cancel_and_wait();
    return info.Env().Undefined();
  }

  /** seek({ epoch, batch, position, token }): cancels what is queued, then continues from that cursor. */
  Napi::Value Seek(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) throw_engine_error(env, "object_in_use", "the loader stream is closed");
    thread_->cancel_and_wait();  // no job runs next() after this, so the cursor is ours
    stream_->seek(cursor_of(info[0].As<Napi::Object>()));
    return env.Undefined();
  }

  /** Cancels queued batches and joins the threads (what is queued is still delivered, as cancelled). */
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (thread_) thread_->stop();
    closed_ = true;
    return info.Env().Undefined();
  }

  std::shared_ptr<BatchStream> stream_;
  std::unique_ptr<loader::PrefetchThread> thread_;
  Delivery delivery_;
  DeliveryLink* link_ = nullptr;
  Napi::ObjectReference data_ref_;
  napi_env env_ = nullptr;
  size_t pending_ = 0;
  bool closed_ = false;
  bool hooked_ = false;
};

Napi::Object info_to_js(Napi::Env env, const Job& job) {
  const BatchInfo& batch = job.info;
  Napi::Object out = Napi::Object::New(env);
  out.Set("cancelled", Napi::Boolean::New(env, job.cancelled));
  out.Set("done", Napi::Boolean::New(env, batch.done || job.cancelled));
  out.Set("epoch", Napi::Number::New(env, double(batch.epoch)));
  out.Set("batch", Napi::Number::New(env, double(batch.batch)));
  out.Set("size", Napi::Number::New(env, double(batch.size)));
  out.Set("tokens", Napi::Number::New(env, double(batch.tokens)));
  out.Set("endOfEpoch", Napi::Boolean::New(env, batch.end_of_epoch));
  out.Set("bytes", Napi::Number::New(env, double(batch.bytes)));
  out.Set("gatherMs", Napi::Number::New(env, batch.gather_seconds * 1000));
  Napi::Object end = Napi::Object::New(env);
  end.Set("epoch", Napi::Number::New(env, double(batch.end.epoch)));
  end.Set("batch", Napi::Number::New(env, double(batch.end.batch)));
  end.Set("position", Napi::Number::New(env, double(batch.end.position)));
  end.Set("token", Napi::Number::New(env, double(batch.end.token)));
  out.Set("end", end);
  Napi::Array used = Napi::Array::New(env, batch.used.size());
  for (size_t r = 0; r < batch.used.size(); r++) used.Set(uint32_t(r), Napi::Number::New(env, double(batch.used[r])));
  out.Set("used", used);
  return out;
}

void deliver(Napi::Env env, Napi::Function, void*, Job* job) {
  if (env == nullptr) {
    // The environment is going away: references can no longer be released through it.
    job->stream.SuppressDestruct();
    job->destination_ref.SuppressDestruct();
    delete job;
    return;
  }
  Napi::HandleScope scope(env);
  NativeBatchStream::Unwrap(job->stream.Value())->job_delivered(env);
  if (job->failed) {
    job->deferred.Reject(engine_error_to_js(env, job->error_code, job->error_message, -1, -1).Value());
  } else {
    job->deferred.Resolve(info_to_js(env, *job));
  }
  delete job;
}

/** loaderOrder(items, epoch, shuffle, seed, rank, worldSize, pad) → Uint32Array: the items one rank visits in an epoch. */
Napi::Value LoaderOrder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    loader::ShardSpec shard;
    shard.rank = info[4].As<Napi::Number>().Uint32Value();
    shard.world_size = info[5].As<Napi::Number>().Uint32Value();
    shard.remainder = info[6].ToBoolean().Value() ? loader::ShardRemainder::Pad : loader::ShardRemainder::Drop;
    if (shard.world_size == 0 || shard.rank >= shard.world_size) throw_engine_error(env, "invalid_parameter", "shard rank must be in [0, worldSize)");
    const std::vector<uint32_t> order = loader::rank_epoch_order(size_t(info[0].As<Napi::Number>().Int64Value()), info[2].ToBoolean().Value(),
                                                                 seed_of(env, info[3]), uint64_t(info[1].As<Napi::Number>().Int64Value()), shard);
    Napi::Uint32Array out = Napi::Uint32Array::New(env, order.size());
    std::copy(order.begin(), order.end(), out.Data());
    return out;
  });
}

}  // namespace

void register_loader(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeLoaderData", NativeLoaderData::Define(env));
  exports.Set("NativeBatchStream", NativeBatchStream::Define(env));
  exports.Set("loaderOrder", Napi::Function::New(env, LoaderOrder));
}

}  // namespace replaydb
