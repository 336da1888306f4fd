// HNSW vector indexes with usearch (index_dense_t), and the exact distance kernels that
// scans use to agree with them. usearch's distances are mapped to replaydb's convention
// (smaller is closer): cosine 1 − cos as usearch gives it, L2 the square root of usearch's
// squared L2, inner product −(a · b) from usearch's 1 − a · b. All kernels are numkong's,
// compiled for every instruction set the compiler knows and picked at run time
// (NK_DYNAMIC_DISPATCH), so the shipped binary needs no -march flag.
//
// File layout: usearch's own serialization (vectors, then its header and graph), followed by
// a 40-byte trailer (FORMAT.md, "Vector index files"):
//
//   u64 payload bytes · u64 vector count · u32 dimensions · u8 metric · u8 quantization ·
//   u16 trailer version (1) · u32 connectivity · u32 CRC-32C of every byte before it ·
//   8-byte end magic "RPDBVIX1"
//
// open() checks the trailer and the checksum before usearch reads a byte, so a damaged or
// truncated file is a StorageError, never a wild read; the checksum is what protects
// usearch's parser, which trusts the offsets it reads.
#include "index/vector_index.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include <usearch/index_dense.hpp>

#include "common/crc32c.hpp"
#include "common/error.hpp"
#include "store/files.hpp"

namespace replaydb {
namespace {

namespace us = unum::usearch;
using us::index_dense_t;
using us::metric_kind_t;
using us::scalar_kind_t;
using VectorKey = index_dense_t::vector_key_t;

constexpr char kEndMagic[8] = {'R', 'P', 'D', 'B', 'V', 'I', 'X', '1'};
constexpr uint16_t kTrailerVersion = 1;
constexpr size_t kTrailerSize = 40;
constexpr size_t kChecksumOffset = 28;  // within the trailer; the CRC covers every byte before it
constexpr size_t kRowsPerClaim = 64;    // rows a build thread takes at a time
constexpr size_t kProgressEvery = 4096;

// ---------------------------------------------------------------------------------------
// Exact kernels

/** The f32 kernels for this CPU, found once. numkong's f32 dot, squared-L2 and angular
 *  kernels all write a double (nk_kernel_output_dtype says so; checked below). */
struct F32Kernels {
  nk_metric_dense_punned_t dot = nullptr;
  nk_metric_dense_punned_t squared_l2 = nullptr;
  nk_metric_dense_punned_t angular = nullptr;
  const char* isa = "serial";
};

nk_metric_dense_punned_t find_f32_kernel(nk_kernel_kind_t kind, nk_capability_t* used) {
  nk_metric_dense_punned_t kernel = nullptr;
  if (nk_kernel_output_dtype(kind, nk_f32_k) != nk_f64_k) return nullptr;
  nk_find_kernel_punned(kind, nk_f32_k, us::nk_cached_capabilities(), reinterpret_cast<nk_kernel_punned_t*>(&kernel), used);
  return kernel;
}

const F32Kernels& f32_kernels() {
  static const F32Kernels kernels = [] {
    F32Kernels found;
    nk_capability_t used = nk_cap_serial_k;
    found.dot = find_f32_kernel(nk_kernel_dot_k, &used);
    if (found.dot) found.isa = us::capability_name(used);
    found.squared_l2 = find_f32_kernel(nk_kernel_sqeuclidean_k, &used);
    found.angular = find_f32_kernel(nk_kernel_angular_k, &used);
    return found;
  }();
  return kernels;
}

// Fallbacks for a numkong without these kernels (never the case with the bundled one).
double dot_loop(const float* a, const float* b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += double(a[i]) * double(b[i]);
  return sum;
}

double squared_l2_loop(const float* a, const float* b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = double(a[i]) - double(b[i]);
    sum += d * d;
  }
  return sum;
}

bool all_zero(const float* a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (a[i] != 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Options ↔ usearch

metric_kind_t metric_kind(VectorMetric metric) {
  switch (metric) {
    case VectorMetric::Cosine: return metric_kind_t::cos_k;
    case VectorMetric::L2: return metric_kind_t::l2sq_k;
    case VectorMetric::InnerProduct: return metric_kind_t::ip_k;
  }
  throw EngineError("internal_error", "unknown vector metric");
}

scalar_kind_t scalar_kind(VectorQuantization quantization) {
  switch (quantization) {
    case VectorQuantization::F32: return scalar_kind_t::f32_k;
    case VectorQuantization::F16: return scalar_kind_t::f16_k;
    case VectorQuantization::I8: return scalar_kind_t::i8_k;
  }
  throw EngineError("internal_error", "unknown vector quantization");
}

const char* metric_name(uint8_t metric) {
  switch (VectorMetric(metric)) {
    case VectorMetric::Cosine: return "cosine";
    case VectorMetric::L2: return "l2";
    case VectorMetric::InnerProduct: return "inner product";
  }
  return "unknown";
}

const char* quantization_name(uint8_t quantization) {
  switch (VectorQuantization(quantization)) {
    case VectorQuantization::F32: return "f32";
    case VectorQuantization::F16: return "f16";
    case VectorQuantization::I8: return "i8";
  }
  return "unknown";
}

/** usearch's distance in replaydb's convention (see the file comment). */
float from_usearch_distance(VectorMetric metric, float distance) {
  switch (metric) {
    case VectorMetric::Cosine: return distance;
    case VectorMetric::L2: return std::sqrt(std::max(distance, 0.0f));
    case VectorMetric::InnerProduct: return distance - 1.0f;
  }
  return distance;
}

void check_options(const VectorIndexOptions& options) {
  metric_kind(options.metric);
  scalar_kind(options.quantization);
  if (options.quantization == VectorQuantization::I8 && options.metric != VectorMetric::Cosine) {
    // usearch scales each vector to unit length before rounding it to i8 (cast_to_i8_gt):
    // only directions survive, so L2 and inner-product rankings would silently be cosine's.
    throw EngineError("invalid_parameter_value", "i8 quantization of a vector index requires the cosine metric");
  }
  if (options.connectivity < 2 || options.connectivity > 1024) {
    throw EngineError("invalid_parameter_value", "vector index connectivity must be between 2 and 1024");
  }
}

index_dense_t make_index(size_t dimensions, const VectorIndexOptions& options, size_t threads) {
  us::metric_punned_t metric = us::metric_punned_t::builtin(dimensions, metric_kind(options.metric), scalar_kind(options.quantization));
  us::index_dense_config_t config(options.connectivity, options.expansion_add, options.expansion_search);
  config.enable_key_lookups = false;  // keys are row numbers; nothing looks vectors up by key
  auto made = index_dense_t::make(metric, config, us::default_free_value<VectorKey>(), us::index_limits_t(0, threads));
  if (!made) throw EngineError("internal_error", std::string("cannot create vector index: ") + made.error.release());
  return std::move(made.index);
}

// ---------------------------------------------------------------------------------------
// Trailer

struct Trailer {
  uint64_t payload_bytes = 0;
  uint64_t vector_count = 0;
  uint32_t dimensions = 0;
  uint8_t metric = 0;
  uint8_t quantization = 0;
  uint16_t version = kTrailerVersion;
  uint32_t connectivity = 0;
};

/** The trailer's first 28 bytes (everything the checksum covers after the payload). */
void encode_trailer_fields(const Trailer& trailer, uint8_t* out) {
  std::memcpy(out + 0, &trailer.payload_bytes, 8);
  std::memcpy(out + 8, &trailer.vector_count, 8);
  std::memcpy(out + 16, &trailer.dimensions, 4);
  out[20] = trailer.metric;
  out[21] = trailer.quantization;
  std::memcpy(out + 22, &trailer.version, 2);
  std::memcpy(out + 24, &trailer.connectivity, 4);
}

Trailer decode_trailer_fields(const uint8_t* in) {
  Trailer trailer;
  std::memcpy(&trailer.payload_bytes, in + 0, 8);
  std::memcpy(&trailer.vector_count, in + 8, 8);
  std::memcpy(&trailer.dimensions, in + 16, 4);
  trailer.metric = in[20];
  trailer.quantization = in[21];
  std::memcpy(&trailer.version, in + 22, 2);
  std::memcpy(&trailer.connectivity, in + 24, 4);
  return trailer;
}

// ---------------------------------------------------------------------------------------
// Building

/** The first failure among the build threads. */
struct FirstError {
  std::mutex mutex;
  std::exception_ptr error;
  void set(std::exception_ptr e) {
    std::lock_guard<std::mutex> guard(mutex);
    if (!error) error = std::move(e);
  }
};

void add_rows(index_dense_t& index, const ColumnView& vectors, const std::vector<uint32_t>& rows, size_t threads,
              const std::function<void(size_t)>& progress) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> added{0};
  std::atomic<bool> stop{false};
  FirstError failure;
  const nk_capability_t capabilities = us::nk_cached_capabilities();

  auto work = [&](size_t thread_id) {
    try {
      nk_configure_thread(capabilities);
      size_t next_report = kProgressEvery;
      while (!stop.load(std::memory_order_relaxed)) {
        const size_t begin = next.fetch_add(kRowsPerClaim);
        if (begin >= rows.size()) break;
        const size_t end = std::min(begin + kRowsPerClaim, rows.size());
        for (size_t i = begin; i < end; i++) {
          const float* vector = reinterpret_cast<const float*>(vectors.fixed(rows[i]));
          auto result = index.add(VectorKey(rows[i]), vector, thread_id);
          if (!result) throw EngineError("internal_error", std::string("vector index insert failed: ") + result.error.release());
        }
        const size_t done = added.fetch_add(end - begin) + (end - begin);
        // Only the calling thread (id 0) reports, so `progress` never runs concurrently.
        if (thread_id == 0 && progress && done >= next_report) {
          progress(done);
          next_report = done - done % kProgressEvery + kProgressEvery;
        }
      }
    } catch (...) {
      failure.set(std::current_exception());
      stop = true;
    }
  };

  // `work` catches everything, so the only throw to guard is starting a thread; no thread
  // may outlive the index it adds to.
  std::vector<std::thread> helpers;
  try {
    for (size_t id = 1; id < threads; id++) helpers.emplace_back(work, id);
  } catch (...) {
    stop = true;
    for (std::thread& helper : helpers) helper.join();
    throw;
  }
  work(0);
  for (std::thread& helper : helpers) helper.join();
  if (failure.error) std::rethrow_exception(failure.error);
  if (progress) progress(rows.size());
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Exact distances

double vector_dot(const float* a, const float* b, size_t dimensions) {
  const F32Kernels& kernels = f32_kernels();
  if (!kernels.dot) return dot_loop(a, b, dimensions);
  double result = 0;
  kernels.dot(a, b, dimensions, &result);
  return result;
}

double vector_squared_l2(const float* a, const float* b, size_t dimensions) {
  const F32Kernels& kernels = f32_kernels();
  if (!kernels.squared_l2) return squared_l2_loop(a, b, dimensions);
  double result = 0;
  kernels.squared_l2(a, b, dimensions, &result);
  return result;
}

double vector_cosine_distance(const float* a, const float* b, size_t dimensions) {
  const F32Kernels& kernels = f32_kernels();
  if (kernels.angular) {
    double distance = 0;
    kernels.angular(a, b, dimensions, &distance);
    // numkong gives 0 when both vectors are zero (1 when one is); replaydb says 1.
    if (distance == 0 && all_zero(a, dimensions)) return 1;
    return std::min(distance, 2.0);
  }
  const double ab = dot_loop(a, b, dimensions), aa = dot_loop(a, a, dimensions), bb = dot_loop(b, b, dimensions);
  if (aa == 0 || bb == 0) return 1;
  return std::clamp(1 - ab / std::sqrt(aa * bb), 0.0, 2.0);
}

float vector_distance(VectorMetric metric, const float* a, const float* b, size_t dimensions) {
  switch (metric) {
    case VectorMetric::Cosine: return float(vector_cosine_distance(a, b, dimensions));
    case VectorMetric::L2: return float(std::sqrt(vector_squared_l2(a, b, dimensions)));
    case VectorMetric::InnerProduct: return float(-vector_dot(a, b, dimensions));
  }
  throw EngineError("internal_error", "unknown vector metric");
}

const char* vector_kernel_isa() { return f32_kernels().isa; }

// ---------------------------------------------------------------------------------------
// VectorIndex

struct VectorIndex::Impl {
  std::string path;
  std::unique_ptr<MappedFile> file;  // usearch views its bytes; unmapped only after `index` is gone
  index_dense_t index;
  VectorMetric metric = VectorMetric::Cosine;
  size_t dimensions = 0;
  size_t count = 0;
  const float* vectors = nullptr;  // f32 indexes: the vectors in the viewed file, in slot order

  // Concurrent searches. usearch keeps the search expansion in the index, not per call, and
  // each search needs a context (scratch space) of its own. A search takes a free context;
  // searches with the expansion currently set run together, and a search wanting another
  // expansion waits until none is running, then sets it. New searches with the current
  // expansion yield to ones waiting for a different one, so neither kind starves the other.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<size_t> free_contexts;
  size_t running = 0;
  size_t expansion = 0;
  std::map<size_t, size_t> waiting;  // expansion → searches waiting for it
  size_t waiting_total = 0;

  /** Claims a context and sets `wanted` as the expansion; returns the context id. */
  size_t acquire(size_t wanted) {
    std::unique_lock<std::mutex> lock(mutex);
    waiting[wanted]++;
    waiting_total++;
    changed.wait(lock, [&] {
      if (free_contexts.empty()) return false;
      if (running == 0) return true;
      return expansion == wanted && waiting_total == waiting[wanted];
    });
    if (--waiting[wanted] == 0) waiting.erase(wanted);
    waiting_total--;
    if (expansion != wanted) {
      index.change_expansion_search(wanted);  // no search is running (checked above)
      expansion = wanted;
    }
    running++;
    const size_t context = free_contexts.back();
    free_contexts.pop_back();
    return context;
  }

  void release(size_t context) {
    {
      std::lock_guard<std::mutex> guard(mutex);
      free_contexts.push_back(context);
      running--;
    }
    changed.notify_all();
  }
};

VectorIndex::VectorIndex() : impl_(std::make_unique<Impl>()) {}
VectorIndex::~VectorIndex() = default;

void VectorIndex::build(const std::string& path, const ColumnView& vectors, const uint8_t* skip,
                        const VectorIndexOptions& options, size_t threads, const std::function<void(size_t)>& progress) {
  if (vectors.type.id != TypeId::Vector || vectors.type.dimension == 0) {
    throw EngineError("internal_error", "a vector index needs a VECTOR(n) column");
  }
  check_options(options);
  const size_t dimensions = vectors.type.dimension;

  std::vector<uint32_t> rows;
  rows.reserve(vectors.size);
  for (size_t row = 0; row < vectors.size; row++) {
    if (!vectors.is_null(row) && !(skip && skip[row])) rows.push_back(uint32_t(row));
  }
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Small builds gain nothing from threads; each thread needs ~kRowsPerClaim rows to claim.
  threads = std::max<size_t>(1, std::min(threads, rows.size() / (4 * kRowsPerClaim)));

  index_dense_t index = make_index(dimensions, options, threads);
  if (!index.try_reserve(us::index_limits_t(rows.size(), threads))) {
    throw EngineError("out_of_memory", "cannot reserve memory for a vector index of " + std::to_string(rows.size()) + " rows");
  }
  add_rows(index, vectors, rows, threads, progress);

  AtomicFileWriter writer(path);
  uint32_t checksum = 0;
  uint64_t payload_bytes = 0;
  std::exception_ptr write_error;
  // usearch's serializer is noexcept: a throwing callback would terminate, so failures are
  // carried out of it and rethrown here.
  auto result = index.save_to_stream([&](const void* data, size_t length) {
    try {
      writer.write(data, length);
      checksum = crc32c(data, length, checksum);
      payload_bytes += length;
      return true;
    } catch (...) {
      write_error = std::current_exception();
      return false;
    }
  });
  if (write_error) std::rethrow_exception(write_error);
  if (!result) throw StorageError("io_error", path, std::string("cannot serialize vector index: ") + result.error.release());

  Trailer trailer;
  trailer.payload_bytes = payload_bytes;
  trailer.vector_count = rows.size();
  trailer.dimensions = uint32_t(dimensions);
  trailer.metric = uint8_t(options.metric);
  trailer.quantization = uint8_t(options.quantization);
  trailer.connectivity = options.connectivity;
  uint8_t bytes[kTrailerSize];
  encode_trailer_fields(trailer, bytes);
  checksum = crc32c(bytes, kChecksumOffset, checksum);
  std::memcpy(bytes + kChecksumOffset, &checksum, 4);
  std::memcpy(bytes + kChecksumOffset + 4, kEndMagic, 8);
  writer.write(bytes, kTrailerSize);
  writer.commit(true);
}

std::shared_ptr<VectorIndex> VectorIndex::open(const std::string& path, size_t dimensions, const VectorIndexOptions& options) {
  check_options(options);
  std::shared_ptr<VectorIndex> opened(new VectorIndex());
  Impl& impl = *opened->impl_;
  impl.path = path;
  impl.file = std::make_unique<MappedFile>(path);
  const uint8_t* data = impl.file->data();
  const size_t size = impl.file->size();

  if (size < kTrailerSize) throw corrupt_file(path, "vector index file is truncated");
  const uint8_t* end = data + size - kTrailerSize;
  if (std::memcmp(end + kChecksumOffset + 4, kEndMagic, 8) != 0) {
    throw corrupt_file(path, "vector index file has no end marker (truncated or not an index)");
  }
  const Trailer trailer = decode_trailer_fields(end);
  if (trailer.payload_bytes != size - kTrailerSize) throw corrupt_file(path, "vector index file has the wrong length");
  uint32_t stored_checksum;
  std::memcpy(&stored_checksum, end + kChecksumOffset, 4);
  if (crc32c(data, size - kTrailerSize + kChecksumOffset) != stored_checksum) {
    throw corrupt_file(path, "vector index checksum mismatch");
  }
  if (trailer.version != kTrailerVersion) {
    throw StorageError("feature_not_supported", path, "vector index version " + std::to_string(trailer.version) + " is not supported");
  }
  if (trailer.dimensions != dimensions || trailer.metric != uint8_t(options.metric) ||
      trailer.quantization != uint8_t(options.quantization)) {
    throw corrupt_file(path, "vector index was built for " + std::to_string(trailer.dimensions) + " dimensions, " +
                                 metric_name(trailer.metric) + ", " + quantization_name(trailer.quantization) + "; expected " +
                                 std::to_string(dimensions) + ", " + metric_name(uint8_t(options.metric)) + ", " +
                                 quantization_name(uint8_t(options.quantization)));
  }

  // usearch's payload starts with u32 rows and u32 bytes per vector; check them against
  // the trailer so that its parser only ever reads inside the payload.
  const size_t contexts = std::max<size_t>(4, std::thread::hardware_concurrency());
  impl.index = make_index(dimensions, options, contexts);
  const size_t bytes_per_vector = impl.index.bytes_per_vector();
  uint32_t matrix[2] = {0, 0};
  if (trailer.payload_bytes < sizeof matrix) throw corrupt_file(path, "vector index payload is truncated");
  std::memcpy(matrix, data, sizeof matrix);
  const size_t minimum = sizeof matrix + size_t(matrix[0]) * matrix[1] + 64 + sizeof(us::index_serialized_header_t);
  if (matrix[0] != trailer.vector_count || matrix[1] != bytes_per_vector || trailer.payload_bytes < minimum) {
    throw corrupt_file(path, "vector index payload does not match its trailer");
  }

  impl.metric = options.metric;
  impl.dimensions = dimensions;
  impl.count = size_t(trailer.vector_count);
  for (size_t context = contexts; context-- > 0;) impl.free_contexts.push_back(context);
  if (impl.count == 0) return opened;  // usearch cannot view an empty graph; search() returns nothing

  auto viewed = impl.index.view(us::memory_mapped_file_t(reinterpret_cast<us::byte_t*>(const_cast<uint8_t*>(data)), size_t(trailer.payload_bytes)));
  if (!viewed) throw corrupt_file(path, std::string("vector index cannot be read: ") + viewed.error.release());
  if (impl.index.size() != impl.count || impl.index.dimensions() != dimensions ||
      impl.index.metric_kind() != metric_kind(options.metric) || impl.index.scalar_kind() != scalar_kind(options.quantization)) {
    throw corrupt_file(path, "vector index header does not match its trailer");
  }
  impl.expansion = impl.index.expansion_search();
  // usearch views the vectors in place, one after another in slot order after the matrix
  // dimensions (index_dense_gt::view); f32 vectors are the rows' own values.
  if (options.quantization == VectorQuantization::F32 && reinterpret_cast<uintptr_t>(data + sizeof matrix) % alignof(float) == 0) {
    impl.vectors = reinterpret_cast<const float*>(data + sizeof matrix);
  }
  return opened;
}

size_t VectorIndex::size() const { return impl_->count; }

std::vector<VectorHit> VectorIndex::search(const float* query, size_t k, size_t expansion,
                                           const std::function<bool(uint32_t)>& accept) const {
  Impl& impl = *impl_;
  std::vector<VectorHit> hits;
  if (k == 0 || impl.count == 0) return hits;
  k = std::min(k, impl.count);
  expansion = std::max(expansion, k);

  const size_t context = impl.acquire(expansion);
  struct Release {
    Impl& impl;
    size_t context;
    ~Release() { impl.release(context); }
  } release{impl, context};

  std::exception_ptr accept_error;
  auto result = [&] {
    if (!accept) return impl.index.search(query, k, context);
    // usearch calls the predicate inside noexcept code: carry an exception out instead.
    auto predicate = [&](VectorKey key) noexcept {
      if (accept_error) return false;
      try {
        return accept(uint32_t(key));
      } catch (...) {
        accept_error = std::current_exception();
        return false;
      }
    };
    return impl.index.filtered_search(query, k, predicate, context);
  }();
  if (accept_error) std::rethrow_exception(accept_error);
  if (!result) throw EngineError("internal_error", std::string("vector index search failed: ") + result.error.release());

  // A zero query has no direction: every row is at cosine distance 1 (vector_distance()).
  const bool zero_cosine_query = impl.metric == VectorMetric::Cosine && all_zero(query, impl.dimensions);
  hits.reserve(result.size());
  for (size_t i = 0; i < result.size(); i++) {
    const auto match = result[i];
    const float distance = zero_cosine_query ? 1.0f : from_usearch_distance(impl.metric, match.distance);
    const float* vector = impl.vectors ? impl.vectors + size_t(match.member.slot) * impl.dimensions : nullptr;
    hits.push_back(VectorHit{uint32_t(match.member.key), distance, vector});
  }
  return hits;
}

}  // namespace replaydb
